import { parseCsv, parseReceivers } from './receivers-input';

describe('receivers input (broadcast --to)', () => {
  it('reads one id per line, LF or CRLF, with a BOM, comments and blank lines', () => {
    const text = '\ufeff01234567890A=\r\n# a comment\r\n\r\nAbC+/x==\nplain\n';
    expect(parseReceivers(text)).toEqual({
      receivers: ['01234567890A=', 'AbC+/x==', 'plain'],
      duplicates: 0,
      blank: 0,
      column: undefined,
    });
  });

  it('keeps each receiver once and counts the repeats', () => {
    expect(parseReceivers('a\nb\na\n a \nb\nc')).toMatchObject({
      receivers: ['a', 'b', 'c'],
      duplicates: 3,
    });
  });

  it('finds the receiver column by its header', () => {
    const text = 'name,user_id,country\n"Doe, Jane",id-1,UA\nBob,id-2,DE\nEve,,PL\n';
    expect(parseReceivers(text)).toEqual({
      receivers: ['id-1', 'id-2'],
      duplicates: 0,
      blank: 1,
      column: 'user_id',
    });
  });

  it('reads a failed-receivers file written by a broadcast', () => {
    const text =
      'receiver,status,status_name,status_message\nu1,6,receiverNotSubscribed,"Not subscribed, sorry"\n';
    expect(parseReceivers(text).receivers).toEqual(['u1']);
  });

  it('takes the column named by --column, and says so when it is missing', () => {
    expect(parseReceivers('a,b\n1,2\n3,4', 'b').receivers).toEqual(['2', '4']);
    expect(() => parseReceivers('a,b\n1,2', 'c')).toThrow('no column "c" in the header row (a, b)');
  });

  it('parses quoted fields with commas, quotes and newlines', () => {
    expect(parseCsv('"a,1","b ""q""","c\nd"\nx')).toEqual([['a,1', 'b "q"', 'c\nd'], ['x']]);
  });
});
