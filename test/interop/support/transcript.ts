import type { EmulatorTranscriptEntry } from 'nestjs-viber/testing';

/**
 * One line per transcript entry, to assert a whole conversation at once:
 * `user text: hi`, `bot send_message text: Hello, Alice!`, `bot welcome text: Welcome`,
 * `user location: 50.45, 30.52`, `bot send_message rich_media: 4 buttons (min_api_version 2)`.
 */
export function transcriptLines(entries: readonly EmulatorTranscriptEntry[]): string[] {
  return entries.map((entry) => {
    const message = entry.message as unknown as Record<string, unknown>;
    const type = typeof message.type === 'string' ? message.type : 'keyboard';
    const head = entry.from === 'user' ? `user ${type}` : `bot ${entry.record.source} ${type}`;
    return `${head}: ${describe(type, message)}`;
  });
}

function describe(type: string, message: Record<string, unknown>): string {
  const keyboard = message.keyboard as { Buttons?: unknown[] } | undefined;
  const level =
    message.min_api_version === undefined
      ? ''
      : ` (min_api_version ${String(message.min_api_version)})`;
  const withKeyboard = keyboard ? ` + keyboard of ${keyboard.Buttons?.length ?? 0}${level}` : '';
  switch (type) {
    case 'text':
      return `${String(message.text)}${withKeyboard}`;
    case 'picture':
      return `${String(message.media)} "${String(message.text ?? '')}"`;
    case 'location': {
      const location = message.location as { lat: number; lon: number };
      return `${location.lat}, ${location.lon}`;
    }
    case 'contact': {
      const contact = message.contact as { name: string; phone_number: string };
      return `${contact.name} ${contact.phone_number}`;
    }
    case 'rich_media': {
      const richMedia = message.rich_media as { Buttons: unknown[] };
      return `${richMedia.Buttons.length} buttons${level}`;
    }
    default:
      return JSON.stringify(message);
  }
}
