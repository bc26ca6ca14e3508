// Whether the page hears the realtime stream now (lib/useLiveEvents): "Live" only while
// the stream is open; otherwise what the page falls back to, so it never claims more.
import { Badge } from '@mantine/core';
import { useI18n } from '../i18n';
import type { MessageKey } from '../i18n/en';
import type { LiveStatus } from '../lib/realtime';

export function LiveBadge({ status, offline = 'live_off' }: { status: LiveStatus; offline?: MessageKey }) {
  const { t } = useI18n();
  const label = status === 'open' ? t('live_on') : status === 'connecting' ? t('live_connecting') : t(offline);
  return (
    <Badge variant="dot" color={status === 'open' ? 'green.9' : 'gray.7'} data-testid="live-status" data-status={status} title={status === 'open' ? t('live_on_hint') : undefined}>
      {label}
    </Badge>
  );
}
