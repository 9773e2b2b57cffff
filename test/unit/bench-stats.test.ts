import { describe, expect, it } from 'vitest';
import { evaluateTargets, median, summarize, type Row, type Section } from '../../bench/lib/stats.mjs';

const row = (tool: string, role: Row['role'], walls: number[], rssKb = 50_000): Row => ({
  tool, role, samples: walls.map((wallMs) => ({ wallMs, cpuMs: wallMs / 2, rssKb })),
});

const statusOf = (sections: Section[], prefix: string) => evaluateTargets(sections).find((t) => t.target.startsWith(prefix));

describe('bench statistics', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(median([])).toBeUndefined();
  });

  it('summarizes wall time as median with min and max, and keeps the largest RSS', () => {
    const s = summarize([{ wallMs: 300, rssKb: 10 }, { wallMs: 100, rssKb: 30 }, { wallMs: 200, rssKb: 20 }]);
    expect(s).toMatchObject({ runs: 3, wallMs: 200, minMs: 100, maxMs: 300, rssKb: 20, maxRssKb: 30 });
  });
});

describe('bench targets', () => {
  it('meets W1 when godwit is within 1.1× of the client and faster than every peer that ran', () => {
    const sections: Section[] = [{ id: 'W1', db: 'pg', rows: [
      row('psql', 'client', [1000, 1100, 1050]),
      row('godwit', 'godwit', [1100, 1150, 1120]),
      row('dbmate', 'peer', [1500]),
      { ...row('postgrator', 'peer', []), failure: 'exit 1' },
    ] }];
    expect(statusOf(sections, 'W1 PostgreSQL: godwit within')).toMatchObject({ status: 'met', measured: '1.07× of the client' });
    expect(statusOf(sections, 'W1 PostgreSQL: godwit faster')).toMatchObject({ status: 'met', measured: 'faster than 1 peer (postgrator failed)' });
  });

  it('misses W1 naming the peers that beat godwit', () => {
    const sections: Section[] = [{ id: 'W1', db: 'mysql', rows: [
      row('mariadb', 'client', [1000]), row('godwit', 'godwit', [1200]), row('dbmate', 'peer', [900]),
    ] }];
    expect(statusOf(sections, 'W1 MariaDB: godwit within')?.status).toBe('missed');
    expect(statusOf(sections, 'W1 MariaDB: godwit faster')).toMatchObject({ status: 'missed', measured: 'slower than dbmate' });
  });

  it('counts godwit as faster when every peer failed the workload', () => {
    const sections: Section[] = [{ id: 'W4', db: 'mysql', rows: [
      row('mariadb', 'client', [1000]), row('godwit', 'godwit', [1050]),
      { ...row('dbmate', 'peer', []), failure: 'exit 2: DELIMITER' },
    ] }];
    expect(statusOf(sections, 'W4 MariaDB: godwit faster')).toMatchObject({ status: 'met', measured: 'every peer failed (dbmate)' });
  });

  it('judges W3 by ratio to psql and by the largest RSS of any run', () => {
    const sections: Section[] = [{ id: 'W3', db: 'pg', rows: [
      row('psql', 'client', [10_000]), row('godwit', 'godwit', [2_900], 120 * 1024),
    ] }];
    expect(statusOf(sections, 'W3 PostgreSQL: godwit at most')).toMatchObject({ status: 'met', measured: '0.29×' });
    expect(statusOf(sections, 'W3 PostgreSQL: godwit peak')).toMatchObject({ status: 'missed', measured: '120 MB' });
  });

  it('wants RSS under 100 MB at every script size, from 10 MB up to 1 GB', () => {
    const sized = (mb: number, rssMb: number): Row => ({ ...row(`godwit-${mb}mb`, 'godwit', [1000], rssMb * 1024), sqlBytes: mb * 1e6 });
    const rss = (rows: Row[]): Section[] => [{ id: 'rss', db: 'pg', rows }];
    const target = 'W3 PostgreSQL: peak RSS under 100 MB from';
    expect(statusOf(rss([sized(10, 80), sized(100, 85), sized(1000, 90)]), target)).toMatchObject({ status: 'met', measured: '10 MB: 80 MB, 100 MB: 85 MB, 1000 MB: 90 MB' });
    expect(statusOf(rss([sized(10, 80), sized(1000, 101)]), target)?.status).toBe('missed');
    expect(statusOf(rss([sized(10, 80), sized(300, 90)]), target)?.status).toBe('missed');
    expect(statusOf(rss([sized(10, 80), { ...sized(1000, 0), failure: 'timed out' }]), target)?.status).toBe('not measured');
    expect(statusOf([], target)?.status).toBe('not measured');
  });

  it('measures start-up and W2 above node -e 0, and reports what did not run', () => {
    const sections: Section[] = [
      { id: 'startup', db: 'any', rows: [row('node', 'baseline', [40, 50, 45]), row('godwit', 'godwit', [100, 110, 90])] },
      { id: 'W2', db: 'pg', rows: [row('node', 'baseline', [45]), { ...row('godwit', 'godwit', []), failure: 'exit 1' }] },
    ];
    expect(statusOf(sections, '`godwit --version`')).toMatchObject({ status: 'met', measured: '55 ms above (CPU: 28 ms above)' });
    expect(statusOf(sections, 'W2 PostgreSQL')?.status).toBe('not measured');
    expect(statusOf(sections, '`godwit info`')?.status).toBe('not measured');
    expect(statusOf(sections, 'W2 MariaDB')).toBeUndefined();
  });
});
