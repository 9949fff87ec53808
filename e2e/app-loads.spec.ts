import { expect, test } from './fixtures';
import { packageVersion } from './support/repo-paths';

test.describe('the app loads', () => {
  test('shows the frame, the sidebar and the status bar', async ({ appFrame }) => {
    await expect(appFrame.frame).toBeVisible();
    await expect(appFrame.sidebar).toBeVisible();
    await expect(appFrame.statusBar).toBeVisible();
  });

  test('the top bar names the host kind and version that app:info answers', async ({
    appFrame,
    host,
  }) => {
    // The version only appears once app:info has answered; before that the chip shows
    // the host kind the renderer guessed, so both are checked together.
    await expect(appFrame.appInfo).toContainText(packageVersion);
    await expect(appFrame.appInfo).toContainText(`${host.kind} host`);
    if (host.kind === 'browser') {
      const response = await fetch(`${host.origin}/api/invoke/app:info`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${host.token}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
      const info = (await response.json()) as { value: { version: string; host: string } };
      expect(info.value).toMatchObject({ version: packageVersion, host: 'browser' });
    }
  });
});
