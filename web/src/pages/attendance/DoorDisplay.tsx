// The door tablet: the library's current code as a full-screen QR that refreshes
// itself each 30-second step. The QR holds the check-in page's URL with the code in
// its fragment, so a phone camera opens it. Authenticated by a staff login or by a
// display key an owner made (opened once as `…/attendance/display/<library>#key=…`,
// then kept on the tablet and taken out of the address bar).
import { Alert, Center, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import createClient from 'openapi-fetch';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import type { paths } from '../../api/schema';
import { readSession } from '../../api/session';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { QrImage } from './QrImage';
import { refetchDelay } from './problems';

const keyName = (library: string) => `studyspot.display-key.${library}`;

// A display key is not a login: it goes without the session's bearer token.
const plain = createClient<paths>({ baseUrl: typeof window === 'undefined' ? 'http://localhost' : window.location.origin });

/** The display key of this library: from the fragment once (then stored), else the stored one. */
function useDisplayKey(library: string): string | null {
  const [key] = useState(() => {
    const fromUrl = new URLSearchParams(window.location.hash.replace(/^#/, '')).get('key');
    if (fromUrl) {
      localStorage.setItem(keyName(library), fromUrl);
      window.history.replaceState(null, '', window.location.pathname + window.location.search);
      return fromUrl;
    }
    return localStorage.getItem(keyName(library));
  });
  return key;
}

function useViewport(): number {
  const [side, setSide] = useState(() => Math.min(window.innerWidth, window.innerHeight));
  useEffect(() => {
    const on = () => setSide(Math.min(window.innerWidth, window.innerHeight));
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, []);
  return side;
}

export default function DoorDisplay() {
  const { t } = useI18n();
  const { libraryId = '' } = useParams();
  const key = useDisplayKey(libraryId);
  const staff = readSession() !== null;
  const side = useViewport();
  const code = useQuery({
    queryKey: ['display-code', libraryId, key],
    enabled: !!libraryId && (!!key || staff),
    queryFn: () => {
      const options = { params: { path: { library_id: libraryId } } };
      return key
        ? unwrap(plain.GET('/api/attendance/libraries/{library_id}/display-code', { ...options, headers: { 'X-Display-Key': key } }))
        : unwrap(api.GET('/api/attendance/libraries/{library_id}/display-code', options));
    },
    refetchInterval: (q) => (q.state.data ? refetchDelay(q.state.data.refresh_at) : 30_000),
    refetchIntervalInBackground: true,
    staleTime: 0,
  });

  return (
    <Center mih="100vh" p="md" component="main">
      <Stack align="center" gap="md">
        <Title order={1} size="h2">{t('att_display_title')}</Title>
        {!key && !staff && <Alert color="yellow" role="alert">{t('att_display_no_key')}</Alert>}
        {code.isError && <ProblemAlert error={code.error} onRetry={() => void code.refetch()} />}
        {code.data && (
          <>
            <QrImage
              text={code.data.check_in_url}
              alt={t('att_display_alt')}
              size={Math.max(200, Math.min(720, side - 200))}
              testId="door-qr"
            />
            <Text size="lg">{t('att_display_hint')}</Text>
            <Text size="xs" c="dimmed" data-testid="door-qr-url" style={{ wordBreak: 'break-all' }} maw={720}>
              {code.data.check_in_url}
            </Text>
          </>
        )}
      </Stack>
    </Center>
  );
}
