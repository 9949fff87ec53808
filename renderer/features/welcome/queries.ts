import { useMutation, useQuery } from '@tanstack/react-query';
import type { z } from 'zod';
import type { DemoState } from '../../../shared/ipc/contract';
import { useApi } from '../../api/api-context';
import { useOpenCatalog } from '../catalog/queries';
import { useCatalogStore } from '../catalog/store';
import { setBaselineSnapshot, setLiveForm } from '../diff/store';
import { setRestoreForm, suggestCredential } from '../restore/store';
import { loadFiles } from '../sources/ingest-client';
import { useSourcesStore } from '../sources/store';

export type DemoStatus = z.output<typeof DemoState>;
export type DemoView = NonNullable<DemoStatus['demo']>;

/**
 * The demo incident's state, followed while it is being prepared (the first run takes
 * seconds: an organisation, three snapshots and the agent's session).
 */
export function useDemoStatus() {
  const api = useApi();
  return useQuery({
    queryKey: ['demo:status'],
    queryFn: () => api.invoke('demo:status', {}),
    refetchInterval: (query) => (query.state.data?.state === 'preparing' ? 500 : false),
    staleTime: Infinity,
  });
}

/**
 * Opens the demo incident in this window, as a responder would by hand: its catalog
 * (pinned to the demo's signing key), its trails (the forge's audit log and the agent's
 * transcript, loaded as if dropped on Sources), and the Diff and Restore forms filled
 * with the demo forge, its read-only token file and the restore user's token file.
 *
 * Each part is skipped when already done, so opening again is harmless.
 */
export function useOpenDemo() {
  const api = useApi();
  const openCatalog = useOpenCatalog();
  return useMutation({
    mutationKey: ['demo:open'],
    mutationFn: async (demo: DemoView) => {
      const opened = useCatalogStore.getState().opened;
      if (demo.catalog.kind === 'directory' && opened?.location !== demo.catalog.path) {
        await openCatalog.mutateAsync({
          location: { kind: 'directory', path: demo.catalog.path },
          key: demo.signingKeyFingerprint,
        });
      }
      const loaded = new Set(useSourcesStore.getState().entries.map((e) => e.name));
      const { files } = await api.invoke('demo:files', {});
      const missing = files.filter((f) => !loaded.has(f.name));
      if (missing.length > 0) {
        loadFiles(missing.map((f) => new File([f.text], f.name, { type: 'application/x-ndjson' })));
      }
      setLiveForm({
        apiUrl: demo.apiUrl,
        owner: demo.owner,
        tokenSource: 'file',
        tokenRef: demo.readTokenFile,
      });
      // The last good snapshot: the latest before the damage. The Diff's default (the
      // latest before the first finding) would go back to the first night, since the
      // over-scoped CI token is a finding from its first fetch on.
      const first = demo.moments.find((m) => m.key === 'firstDestructive');
      const lastGood = demo.snapshots
        .filter((s) => first === undefined || Date.parse(s.createdAt) < first.at)
        .at(-1);
      if (lastGood) setBaselineSnapshot(String(lastGood.seq));
      setRestoreForm({ incident: 'demo', restoreKeyFile: demo.restoreKeyFile });
      suggestCredential({
        label: `demo restore user (${demo.people.restore})`,
        tokenFile: demo.restoreTokenFile,
      });
    },
  });
}
