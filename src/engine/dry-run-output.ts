import type { FileHandle } from 'node:fs/promises';
import { open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * The script a dry run writes (`-dryRunOutput=FILE`, or `-` for stdout). The file is opened before the
 * connection, so that an unwritable path fails before anything else; the text is kept until the
 * command succeeds, so a failed dry run leaves no half script that someone could replay.
 */
export class DryRunOutput {
  private readonly chunks: string[];

  private constructor(
    /** The absolute path, or `-`. */
    readonly target: string,
    private readonly handle: FileHandle | null,
  ) {
    this.chunks = [
      '-- ============================================================\n',
      `-- godwit dry run, ${new Date().toISOString()}\n`,
      '-- Nothing below has run. It is the SQL the command would send, in order,\n',
      "-- ready for the database's own client (psql -v ON_ERROR_STOP=1 -f FILE, mariadb --comments < FILE).\n",
      '-- ============================================================\n',
    ];
  }

  static async open(setting: string, workingDirectory: string): Promise<DryRunOutput> {
    if (setting === '-') return new DryRunOutput('-', null);
    const file = path.resolve(workingDirectory, setting);
    try {
      return new DryRunOutput(file, await open(file, 'w'));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
      throw new ConfigError(`Unable to write the dry run output to ${file} (${reason}).`, {
        hint: 'Set -dryRunOutput to a file in a directory that exists and that you may write to, or to - for stdout.',
        location: 'dryRunOutput',
        cause: error,
      });
    }
  }

  /** Text as rendered by the dialect, ending with a line break. */
  write(text: string): void {
    this.chunks.push(text);
  }

  /** A `--` comment, one per line of `text`. */
  comment(text: string): void {
    for (const line of text.split(/\r\n|\r|\n/)) this.chunks.push(`-- ${line}\n`);
  }

  /** Writes the script and closes the file. */
  async finish(): Promise<void> {
    const text = this.chunks.join('');
    this.chunks.length = 0;
    if (this.handle === null) {
      await new Promise<void>((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
      return;
    }
    try {
      await this.handle.writeFile(text, 'utf8');
    } finally {
      await this.handle.close();
    }
  }

  /** Closes and removes the file: the command failed, so the script would not be what runs. */
  async discard(): Promise<void> {
    this.chunks.length = 0;
    if (this.handle === null) return;
    await this.handle.close();
    await unlink(this.target).catch(() => undefined);
  }
}
