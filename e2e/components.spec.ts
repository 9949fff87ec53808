import { expect, test } from './fixtures';
import { ComponentsPage } from './pages/components-page';

test('the component check runs as a task and shows each component', async ({ page }) => {
  const components = new ComponentsPage(page);
  await components.open();
  await expect(components.view).toBeVisible();
  await components.runButton.click();

  await expect(components.results).toBeVisible();
  // Both are installed on every machine that runs these tests (CI installs them).
  await expect(components.check('git')).toHaveAttribute('data-status', 'ok');
  await expect(components.check('chromium')).toHaveAttribute('data-status', 'ok');
  await expect(components.check('profile')).toHaveAttribute('data-status', 'ok');
  // The finished task reaches the status bar through the host's event stream.
  await expect(components.statusBarTasks.first()).toHaveAttribute('data-state', 'done');
  await expect(components.connectionState).toHaveAttribute('data-state', 'connected');
});
