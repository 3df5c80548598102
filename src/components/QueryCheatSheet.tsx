import React from 'react';
import { QueryEditorHelpProps } from '@grafana/data';
import { Button, Stack, Text } from '@grafana/ui';

import { PprofQuery } from '../types';

interface Example {
  title: string;
  query: Omit<PprofQuery, 'refId'>;
}

// Each example is a complete query; choosing one replaces the query in the
// editor, so they double as a reference of the query model.
export const EXAMPLES: Example[] = [
  {
    title: 'Goroutine count of every target (what an alert rule reads)',
    query: { queryType: 'metrics', target: '*', metric: 'goroutines' },
  },
  {
    title: 'Resident memory over the time range, from the recorder',
    query: { queryType: 'metrics', target: '*', view: 'series', metric: 'rss_bytes' },
  },
  {
    title: 'Goroutine count, also per state category',
    query: { queryType: 'goroutines', target: '$target', view: 'count', perCategory: true },
  },
  {
    title: 'Stacks stuck on channels for 5 minutes or more, runtime hidden',
    query: {
      queryType: 'goroutines',
      target: '$target',
      view: 'groups',
      filter: { states: ['channel', 'select'], minWaitMinutes: 5, hideRuntime: true },
    },
  },
  {
    title: 'How the pile of waiting goroutines built up',
    query: { queryType: 'goroutines', target: '$target', view: 'timeline', filter: { hideRuntime: true } },
  },
  {
    title: 'Leak suspects in your own code',
    query: { queryType: 'goroutines', target: '$target', view: 'leaks', filter: { include: 'myapp/' } },
  },
  {
    title: 'Leak suspects in the newest dump of a dump directory in the time range',
    query: { queryType: 'goroutines', dumpSource: '$source', view: 'leaks', filter: { hideRuntime: true } },
  },
  {
    title: 'CPU flame graph over 10 seconds',
    query: {
      queryType: 'profile',
      target: '$target',
      view: 'flamegraph',
      profile: { profileType: 'cpu', seconds: 10 },
    },
  },
  {
    title: 'Heap in use, top functions by line',
    query: {
      queryType: 'profile',
      target: '$target',
      view: 'top',
      profile: { profileType: 'heap', sampleType: 'inuse_space', byLine: true },
    },
  },
  {
    title: 'Goroutines per value of the pprof label "handler"',
    query: {
      queryType: 'profile',
      target: '$target',
      view: 'labels',
      profile: { profileType: 'goroutine', groupBy: 'handler' },
    },
  },
  {
    title: 'Goroutine totals over time from the dumps of one source',
    query: { queryType: 'dumps', view: 'history', dumpSource: '$source' },
  },
  {
    title: 'Scheduler latency in two seconds of execution trace, as go tool trace -pprof=sched',
    query: { queryType: 'trace', target: '$target', view: 'blocking', trace: { seconds: 2, kind: 'sched' } },
  },
  {
    title: 'Goroutines per state over the newest trace of a source',
    query: { queryType: 'trace', dumpSource: '$source', view: 'states', filter: { hideRuntime: true } },
  },
];

/** Grafana's cheat sheet for this data source (Explore): clickable examples. */
export function QueryCheatSheet({ onClickExample, query }: QueryEditorHelpProps<PprofQuery>) {
  return (
    <Stack direction="column" gap={1}>
      {EXAMPLES.map((example) => (
        <div key={example.title}>
          <Text element="p">{example.title}</Text>
          <Stack alignItems="center" gap={1}>
            <code>{JSON.stringify(example.query)}</code>
            <Button
              size="sm"
              variant="secondary"
              onClick={() => onClickExample({ ...example.query, refId: query.refId })}
            >
              Use
            </Button>
          </Stack>
        </div>
      ))}
    </Stack>
  );
}
