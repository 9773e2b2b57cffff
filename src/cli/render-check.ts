import { MYSQL_RULES } from '../check/mysql/rules.js';
import { POSTGRES_RULES } from '../check/postgres/rules.js';
import type { CheckResult } from '../check/types.js';
import type { CommandResult } from '../engine/results.js';
import { GODWIT_VERSION } from '../version.js';

/** One finding per entry: `file:line rule-id severity: message`, then its fix indented below. */
export function renderCheck(result: CheckResult): string {
  const lines = result.findings.map((f) => `${f.path}:${f.line} ${f.rule} ${f.severity}: ${f.message}\n    fix: ${f.fix}`);
  const errors = result.findings.filter((f) => f.severity === 'error').length;
  const warnings = result.findings.length - errors;
  const files = `${result.filesChecked.length} migration${result.filesChecked.length === 1 ? '' : 's'}`;
  const suppressed = result.suppressed > 0 ? `, ${result.suppressed} suppressed` : '';
  const how = result.connected ? '' : ' (offline: tables not created by these migrations are taken as existing)';
  const verdict = result.passed ? 'passed' : `failed (failOn=${result.failOn})`;
  lines.push(`Checked ${files} with the ${result.ruleSet} rules${how}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}${suppressed}; ${verdict}.`);
  return `${lines.join('\n')}\n`;
}

/** SARIF 2.1.0 (main allows -outputType=sarif with check only), the format code-review tools (GitHub code scanning, GitLab, Azure DevOps) annotate from. */
export function sarifLog(results: CommandResult[]): object {
  const checks = results.filter((r): r is CheckResult => r.operation === 'check');
  const catalogue = new Map([...POSTGRES_RULES, ...MYSQL_RULES]);
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: checks.map((check) => ({
      tool: {
        driver: {
          name: 'godwit',
          version: GODWIT_VERSION,
          rules: [...new Set(check.findings.map((f) => f.rule))].map((id) => ({
            id,
            shortDescription: { text: catalogue.get(id)?.summary ?? id },
            defaultConfiguration: { level: catalogue.get(id)?.severity ?? 'warning' },
          })),
        },
      },
      results: check.findings.map((f) => ({
        ruleId: f.rule,
        level: f.severity,
        message: { text: `${f.message} Fix: ${f.fix}` },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: f.path.split(/[\\/]/).map(encodeURIComponent).join('/') },
              region: { startLine: f.line, startColumn: f.column },
            },
          },
        ],
      })),
    })),
  };
}
