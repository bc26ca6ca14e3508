import { Badge } from '@mantine/core';
import { useI18n } from '../../i18n';
import type { StudentStatus } from './filters';

const COLOURS: Record<StudentStatus, string> = { active: 'teal.9', inactive: 'gray.7', suspended: 'red.9', alumni: 'blue.9' };

export function StatusBadge({ status }: { status: StudentStatus }) {
  const { t } = useI18n();
  return (
    // Filled in the darkest shades: white text on them passes WCAG AA contrast (axe checks it).
    <Badge color={COLOURS[status]} variant="filled">
      {t(`st_${status}`)}
    </Badge>
  );
}
