import { describe, expect, it } from 'vitest';
import { firstGitError, gitEnv, gitOutput, runGitProcess } from './git-process';

describe('git-process', () => {
  it('gives git a clean environment: no inherited GIT_*, no system or user config, no prompts', () => {
    process.env.GIT_DIR = '/somewhere/else';
    try {
      const env = gitEnv({ env: { GIT_CONFIG_COUNT: '0' } });
      expect(env.GIT_DIR).toBeUndefined();
      expect(env).toMatchObject({
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_TERMINAL_PROMPT: '0',
        LC_ALL: 'C',
        GIT_CONFIG_COUNT: '0',
      });
      expect(gitEnv({ userConfig: true }).GIT_CONFIG_GLOBAL).toBeUndefined();
    } finally {
      delete process.env.GIT_DIR;
    }
  });

  it('answers exit codes instead of rejecting, and feeds stdin', async () => {
    const hashed = await runGitProcess(['hash-object', '--stdin'], { stdin: 'hello\n' });
    expect(hashed).toMatchObject({ code: 0, stdout: 'ce013625030ba8dba906f756967f9e9ca394464a\n' });
    const failed = await runGitProcess(['rev-parse', '--git-dir'], { cwd: '/' });
    expect(failed.code).toBe(128);
    expect(firstGitError(failed.stderr)).toMatch(/^fatal: not a git repository/);
  });

  it('names the call and git’s own error line when asked for output', async () => {
    await expect(gitOutput('read HEAD', ['rev-parse', 'HEAD'], { cwd: '/' })).rejects.toThrow(
      /^read HEAD: git exited with 128: fatal: not a git repository/,
    );
  });

  it('stops git on cancel with an AbortError', async () => {
    const controller = new AbortController();
    // `cat-file --batch` would wait for requests on stdin; the abort ends it first.
    const running = runGitProcess(['cat-file', '--batch'], { signal: controller.signal });
    controller.abort();
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
  });
});
