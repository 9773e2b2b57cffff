/**
 * Several of godwit's own statements in one round trip, on a session that otherwise refuses
 * multi-statement text. The session runs with multi-statements off, so that a user's statement the
 * splitter failed to cut makes the server fail instead of running half-parsed SQL; for godwit's fixed
 * text (a history row and the COMMIT after it) the option is turned on just around it. The three
 * commands, COM_SET_OPTION on, the COM_QUERY and COM_SET_OPTION off, leave in one write: the server
 * executes them in order, so no other statement of the session can run while the option is on, and the
 * client reads the three answers in order.
 *
 * mysql2 has no public way to send COM_SET_OPTION or to pipeline commands; this drives its command
 * queue the way its own commands do (a command object whose execute() gets each answer packet), and
 * leaves the COM_QUERY itself, with its parsing of the results, to mysql2's own Query command.
 */
import type mysql from 'mysql2/promise';
import { stackAtCaller } from './mysql-client.js';

/** COM_SET_OPTION (0x1b) with MYSQL_OPTION_MULTI_STATEMENTS_ON (0) or _OFF (1): a whole packet, sequence id 0. */
function setOption(option: 0 | 1): Buffer {
  return Buffer.from([3, 0, 0, 0, 0x1b, option, 0]);
}

interface Packet {
  isError(): boolean;
  asError(encoding: string): Error;
}

/** The parts of mysql2's core connection (lib/base/connection.js) and commands used here. */
interface CoreConnection {
  sequenceId: number;
  clientEncoding: string;
  stream: { cork(): void; uncork(): void };
  config: unknown;
  write(buffer: Buffer): void;
  addCommand(command: Command): void;
  destroy(): void;
  constructor: { createQuery(sql: string, values: undefined, callback: (error: Error | null, result: unknown) => void, config: unknown): Command };
}

interface Command {
  execute(packet: Packet | undefined, connection: CoreConnection): boolean;
  onResult?(error: Error): void;
}

/** An OK packet's summary, as mysql2 hands it out. */
export interface OkResult {
  serverStatus?: number;
}

/**
 * Runs `statements` (godwit's own, never a user's) as one multi-statement text in one round trip. The
 * server stops at the first that fails; that error is thrown. Resolves to each statement's OK result.
 */
export const runOwnBatch = stackAtCaller(sendOwnBatch);

function sendOwnBatch(connection: mysql.Connection, statements: string[]): Promise<OkResult[]> {
  const core = (connection as unknown as { connection: CoreConnection }).connection;
  return new Promise((resolve, reject) => {
    let step: 'on' | 'query' | 'off' = 'on';
    let optionError: Error | undefined;
    let outcome: { error: Error | null; result: unknown } | undefined;
    let offAnswered = false;
    const settle = () => {
      if (!outcome || !offAnswered) return;
      if (optionError) reject(optionError);
      else if (outcome.error) reject(outcome.error);
      else resolve((Array.isArray(outcome.result) ? outcome.result : [outcome.result]) as OkResult[]);
    };
    const query = core.constructor.createQuery(statements.join(';\n'), undefined, (error, result) => {
      outcome = { error, result };
      settle();
    }, core.config);
    core.addCommand({
      execute(packet, conn) {
        if (packet === undefined) {
          conn.stream.cork();
          conn.write(setOption(0));
          query.execute(undefined, conn);
          conn.write(setOption(1));
          conn.stream.uncork();
          // Each command's answer numbers its packets from 1.
          conn.sequenceId = 1;
          return false;
        }
        if (step === 'on') {
          // Refused, the option stays off and the text fails to parse as one statement: nothing runs.
          if (packet.isError()) optionError = packet.asError(conn.clientEncoding);
          step = 'query';
          conn.sequenceId = 1;
          return false;
        }
        if (step === 'query') {
          if (query.execute(packet, conn)) {
            step = 'off';
            conn.sequenceId = 1;
          }
          return false;
        }
        if (packet.isError()) {
          // Left on, the option would let a user's unsplit text run: the session must not go on.
          optionError = packet.asError(conn.clientEncoding);
          conn.destroy();
        }
        offAnswered = true;
        settle();
        return true;
      },
      onResult(error) {
        reject(error);
      },
    });
  });
}
