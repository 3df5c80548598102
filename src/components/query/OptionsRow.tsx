import React, { ReactNode, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Collapse, Stack, Text, useStyles2 } from '@grafana/ui';

interface Props {
  /** What is set inside, listed on the folded row, e.g. "Focus: myapp". */
  summary: string[];
  /** Opens the row at first, e.g. when a field inside needs attention. */
  defaultOpen?: boolean;
  children: ReactNode;
}

/**
 * Options most queries leave alone, folded under one "Options" row that
 * lists what is set, as Grafana's own query editors fold theirs.
 */
export function OptionsRow({ summary, defaultOpen = false, children }: Props) {
  const styles = useStyles2(getStyles);
  const [open, setOpen] = useState(defaultOpen);
  return (
    <div className={styles.row} data-testid="query-options">
      <Collapse
        isOpen={open}
        onToggle={() => setOpen(!open)}
        label={
          <Stack gap={1} alignItems="baseline">
            <Text element="h6">Options</Text>
            {!open && (
              <Text color="secondary" variant="bodySmall">
                {summary.length > 0 ? summary.join(' · ') : 'none set'}
              </Text>
            )}
          </Stack>
        }
      >
        {children}
      </Collapse>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({
    // The folded row reads as one line of the editor, not a panel.
    '& > div': { marginBottom: 0, backgroundColor: 'transparent' },
    marginBottom: theme.spacing(0.5),
  }),
});
