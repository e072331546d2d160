import { IsInt, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import type { ViberUser } from '../../types/callback.types';

/**
 * Validation schema of a user object (`user`, `sender`): docs/protocol/callbacks.md,
 * "User object".
 */
export class ViberUserDto implements ViberUser {
  @IsString()
  @IsNotEmpty()
  id!: string;

  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsString()
  avatar?: string;

  @IsOptional()
  @IsString()
  country?: string;

  @IsOptional()
  @IsString()
  language?: string;

  @IsOptional()
  @IsInt()
  api_version?: number;

  @IsOptional()
  @IsString()
  primary_device_os?: string;
}
