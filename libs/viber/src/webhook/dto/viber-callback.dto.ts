import {
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  registerDecorator,
} from 'class-validator';
import type { ViberEventName } from '../../types/callback.types';
import { ViberIncomingMessageDto } from './viber-incoming-message.dto';
import { ValidateNestedDto } from './validate-nested-dto.decorator';
import { ViberUserDto } from './viber-user.dto';

/** An integer, or the exact digits of one too large for a JS number (the lossless parser's output). */
function IsIntegerOrDigits(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isIntegerOrDigits',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) =>
          (typeof value === 'number' && Number.isInteger(value)) ||
          (typeof value === 'string' && /^-?\d{1,24}$/.test(value)),
        defaultMessage: () => `${String(propertyName)} must be an integer`,
      },
    });
  };
}

/** 2^64 − 1, the largest `message_token`. */
const UINT64_MAX = '18446744073709551615';

/**
 * True for the decimal digits of an unsigned 64-bit integer, written as JSON writes it (no
 * sign, no leading zero): `message_token` as the lossless parser returns it.
 */
export function isUint64Digits(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    /^(?:0|[1-9]\d{0,19})$/.test(value) &&
    (value.length < UINT64_MAX.length || value <= UINT64_MAX)
  );
}

/** An unsigned 64-bit integer, as exact digits. */
function IsUint64Digits(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isUint64Digits',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: isUint64Digits,
        defaultMessage: () => `${String(propertyName)} must be an unsigned 64-bit integer`,
      },
    });
  };
}

/** Fields of every callback (docs/protocol/callbacks.md, "Common rules"). */
export class ViberCallbackBaseDto {
  @IsString()
  event!: ViberEventName;

  /** Epoch milliseconds (the exact digits as a string if a sender ever exceeds 2^53). */
  @IsIntegerOrDigits()
  timestamp!: number;

  @IsString()
  @IsUint64Digits()
  message_token!: string;

  @IsOptional()
  @IsString()
  chat_hostname?: string;
}

/** `webhook` (docs/protocol/callbacks.md, "webhook"). */
export class ViberWebhookCallbackDto extends ViberCallbackBaseDto {}

/** `subscribed` (docs/protocol/callbacks.md, "subscribed"). */
export class ViberSubscribedCallbackDto extends ViberCallbackBaseDto {
  @IsDefined()
  @IsObject()
  @ValidateNestedDto(() => ViberUserDto)
  user!: ViberUserDto;
}

/** `unsubscribed`, `delivered`, `seen`, `failed` (docs/protocol/callbacks.md, one heading each). */
export class ViberUserIdCallbackDto extends ViberCallbackBaseDto {
  @IsString()
  @IsNotEmpty()
  user_id!: string;

  @IsOptional()
  @IsString()
  desc?: string;

  @IsOptional()
  @IsString()
  chat_id?: string;
}

/** `conversation_started` (docs/protocol/callbacks.md, "conversation_started"). */
export class ViberConversationStartedCallbackDto extends ViberCallbackBaseDto {
  @IsString()
  type!: string;

  @IsOptional()
  @IsString()
  context?: string;

  @IsDefined()
  @IsObject()
  @ValidateNestedDto(() => ViberUserDto)
  user!: ViberUserDto;

  @IsOptional()
  @IsBoolean()
  subscribed?: boolean;
}

/** `message` (docs/protocol/callbacks.md, "message"). */
export class ViberMessageCallbackDto extends ViberCallbackBaseDto {
  @IsDefined()
  @IsObject()
  @ValidateNestedDto(() => ViberUserDto)
  sender!: ViberUserDto;

  @IsDefined()
  @IsObject()
  @ValidateNestedDto(() => ViberIncomingMessageDto)
  message!: ViberIncomingMessageDto;

  @IsOptional()
  @IsBoolean()
  silent?: boolean;

  @IsOptional()
  @IsIn(['message', 'query'])
  reply_type?: 'message' | 'query';

  @IsOptional()
  @IsString()
  chat_id?: string;
}

/** The `status` of a `client_status` callback. */
export class ViberClientStatusDto {
  @IsString()
  type!: string;

  @IsInt()
  code!: number;

  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  supported_psps?: string[];

  @IsOptional()
  @IsString()
  tracking_data?: string;
}

/** `client_status` (docs/protocol/callbacks.md, "client_status"). */
export class ViberClientStatusCallbackDto extends ViberCallbackBaseDto {
  @IsDefined()
  @IsObject()
  @ValidateNestedDto(() => ViberUserDto)
  user!: ViberUserDto;

  @IsDefined()
  @IsObject()
  @ValidateNestedDto(() => ViberClientStatusDto)
  status!: ViberClientStatusDto;
}
