import {
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Max,
  Min,
  ValidateIf,
  registerDecorator,
} from 'class-validator';
import type { ViberIncomingMessageType } from '../../types/callback.types';
import { ValidateNestedDto } from './validate-nested-dto.decorator';

/** Message types a user can send. */
export const VIBER_INCOMING_MESSAGE_TYPES: readonly ViberIncomingMessageType[] = [
  'text',
  'picture',
  'video',
  'file',
  'sticker',
  'contact',
  'url',
  'location',
  'rich_media',
];

const MEDIA_TYPES: ReadonlySet<string> = new Set(['picture', 'video', 'file', 'url']);

/** A sticker id: a positive integer, or its digits as a string. */
function IsStickerId(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isStickerId',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'number' && Number.isInteger(value) && value >= 0) ||
          (typeof value === 'string' && /^\d+$/.test(value)),
        defaultMessage: () => `${String(propertyName)} must be an integer or a string of digits`,
      },
    });
  };
}

/** Coordinates of a location message. */
export class ViberLocationDto {
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-90)
  @Max(90)
  lat!: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(-180)
  @Max(180)
  lon!: number;

  @IsOptional()
  @IsString()
  address?: string;
}

/** A shared contact. */
export class ViberContactDto {
  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsString()
  phone_number?: string;

  @IsOptional()
  @IsString()
  avatar?: string;
}

/**
 * Validation schema of the `message` object of a `message` callback (docs/protocol/callbacks.md,
 * "message").
 */
export class ViberIncomingMessageDto {
  @IsIn(VIBER_INCOMING_MESSAGE_TYPES as string[])
  type!: ViberIncomingMessageType;

  @ValidateIf((o: ViberIncomingMessageDto) => o.type === 'text' || o.text !== undefined)
  @IsString()
  text?: string;

  @ValidateIf((o: ViberIncomingMessageDto) => MEDIA_TYPES.has(o.type) || o.media !== undefined)
  @IsString()
  media?: string;

  @ValidateIf((o: ViberIncomingMessageDto) => o.type === 'location' || o.location !== undefined)
  @IsObject()
  @ValidateNestedDto(() => ViberLocationDto)
  location?: ViberLocationDto;

  @ValidateIf((o: ViberIncomingMessageDto) => o.type === 'contact' || o.contact !== undefined)
  @IsObject()
  @ValidateNestedDto(() => ViberContactDto)
  contact?: ViberContactDto;

  @ValidateIf((o: ViberIncomingMessageDto) => o.type === 'sticker' || o.sticker_id !== undefined)
  @IsStickerId()
  sticker_id?: number | string;

  @IsOptional()
  @IsString()
  tracking_data?: string;

  @IsOptional()
  @IsString()
  thumbnail?: string;

  @IsOptional()
  @IsString()
  file_name?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  file_size?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  size?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  duration?: number;
}
