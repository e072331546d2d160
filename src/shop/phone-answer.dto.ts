import { IsString, Matches } from 'class-validator';

/** A typed answer to "your phone number?": a text message whose text is a phone number. */
export class PhoneAnswer {
  /** 7 to 15 digits, optionally after a `+` (spaces, dashes and brackets are allowed between). */
  @IsString()
  @Matches(/^\+?(?:[\s()-]*\d){7,15}[\s()-]*$/, { message: 'text must be a phone number' })
  text!: string;
}
