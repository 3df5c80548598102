import { dateTimeFormat, formattedValueToString, getValueFormat } from '@grafana/data';

export function formatBytes(n: number): string {
  return formattedValueToString(getValueFormat('bytes')(n));
}

export function formatTime(iso: string | undefined): string {
  return iso ? dateTimeFormat(iso) : 'unknown';
}
