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
  Matches,
  ValidateNested,
  registerDecorator,
} from 'class-validator';
import type { ViberEventName } from '../../types/callback.types';
import { ViberIncomingMessageDto } from './viber-incoming-message.dto';
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

/** Fields of every callback (SPEC §3.1). */
export class ViberCallbackBaseDto {
  @IsString()
  event!: ViberEventName;

  /** Epoch milliseconds (the exact digits as a string if a sender ever exceeds 2^53). */
  @IsIntegerOrDigits()
  timestamp!: number;

  @IsString()
  @Matches(/^\d{1,20}$/, { message: 'message_token must be an unsigned 64-bit integer' })
  message_token!: string;

  @IsOptional()
  @IsString()
  chat_hostname?: string;
}

/** `webhook` (SPEC §3.2). */
export class ViberWebhookCallbackDto extends ViberCallbackBaseDto {}

/** `subscribed` (SPEC §3.3). */
export class ViberSubscribedCallbackDto extends ViberCallbackBaseDto {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  user!: ViberUserDto;
}

/** `unsubscribed`, `delivered`, `seen`, `failed` (SPEC §3.4, §3.7–3.9). */
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

/** `conversation_started` (SPEC §3.5). */
export class ViberConversationStartedCallbackDto extends ViberCallbackBaseDto {
  @IsString()
  type!: string;

  @IsOptional()
  @IsString()
  context?: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  user!: ViberUserDto;

  @IsOptional()
  @IsBoolean()
  subscribed?: boolean;
}

/** `message` (SPEC §3.6). */
export class ViberMessageCallbackDto extends ViberCallbackBaseDto {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  sender!: ViberUserDto;

  @IsDefined()
  @IsObject()
  @ValidateNested()
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

/** `client_status` (SPEC §3.10). */
export class ViberClientStatusCallbackDto extends ViberCallbackBaseDto {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  user!: ViberUserDto;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  status!: ViberClientStatusDto;
}
