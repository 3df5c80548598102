import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

import { DEFAULT_QUERY_TYPE } from './queryModel';

// The query and settings shapes mirror the Go backend (pkg/query/query.go and
// pkg/settings/settings.go); field names are the JSON names it reads. The
// query's are also listed in pkg/query/vocabulary.json, and
// src/vocabulary.test.ts fails when the interfaces below and that list differ.

export type QueryType = 'metrics' | 'goroutines' | 'profile' | 'dumps' | 'trace';

/** Narrows the goroutines a goroutines query looks at. */
export interface GoroutineFilter {
  /** State categories ("channel") or raw wait reasons ("chan receive"). */
  states?: string[];
  /** Regular expressions over function, package and file of every frame. */
  include?: string;
  exclude?: string;
  /** Hides goroutines created by matching functions. */
  excludeCreatedBy?: string;
  minWaitMinutes?: number;
  hideRuntime?: boolean;
  /** Keeps goroutines locked to their OS thread (runtime.LockOSThread); goroutine dumps only. */
  lockedToThread?: boolean;
}

/** A target or a dump, as the baseline of a profile diff or of the growth view. */
export interface BaselineSource {
  target?: string;
  dump?: string;
  /** The snapshot of the same source captured before the compared one (outside its capture bundle). */
  previous?: boolean;
}

export interface ProfileOptions {
  profileType?: string;
  sampleType?: string;
  seconds?: number;
  focus?: string;
  ignore?: string;
  hide?: string;
  /** Keeps samples carrying every listed pprof label value. */
  labelFilter?: Record<string, string>;
  groupBy?: string;
  maxNodes?: number;
  byLine?: boolean;
  /** Top tables leave out rows whose cum is under this fraction of the total; unset is pprof's 0.005, 0 keeps all. */
  nodeFraction?: number;
  baseline?: BaselineSource;
}

/** Shapes a trace query (pkg/query TraceOptions). */
export interface TraceOptions {
  /** How long a live target is traced (trace?seconds=N), at most the data source's maxTraceSeconds. */
  seconds?: number;
  /** Blocking kind of the blocking and top views: all (default), net, sync, syscall, sched. */
  kind?: string;
  /** The goroutines view per goroutine instead of per start function. */
  perGoroutine?: boolean;
  /** How many goroutines the timeline (and the per-goroutine table) shows: those that waited longest. */
  goroutines?: number;
  /** Which go tool trace release blocking profiles agree with: writer (default) or latest. */
  reference?: string;
  /** Instants (RFC 3339, up to nanoseconds) at which the states view counts goroutines exactly. */
  at?: string[];
}

export interface PprofQuery extends DataQuery {
  queryType?: QueryType;
  /** A target name, "*" for all, a regex or a variable. Never a URL. */
  target?: string;
  /** A stored dump's id. Present (possibly empty) when the query reads a dump rather than a target. */
  dump?: string;
  /**
   * A dump source ("upload" or "dir:<name>"): the snapshots a dumps query
   * reads, or for goroutines and profiles the newest dump captured in the
   * time range. Present (possibly empty) when the query reads a source.
   */
  dumpSource?: string;
  view?: string;
  /** One series of a metrics query (goroutines, threads, ...); empty for all. */
  metric?: string;
  /** Adds one count per state category to the goroutines count view. */
  perCategory?: boolean;
  /** false leaves the total (category "all") out of a count view with perCategory. */
  total?: boolean;
  /**
   * One snapshot of a dump that holds several (a log of several crashes):
   * its position from 1, or a capture time (RFC 3339) for the newest at or
   * before it. Empty for the newest.
   */
  snapshot?: string;
  filter?: GoroutineFilter;
  profile?: ProfileOptions;
  /** What the growth view compares with; the previous snapshot of the same source when unset. */
  baseline?: BaselineSource;
  trace?: TraceOptions;
}

export const ALL_TARGETS = '*';

export const DEFAULT_QUERY: Partial<PprofQuery> = {
  queryType: DEFAULT_QUERY_TYPE,
  target: ALL_TARGETS,
};

/** One configured target as stored in jsonData. */
export interface TargetConfig {
  name: string;
  url: string;
  metricsUrl?: string;
  labels?: Record<string, string>;
  /** Overrides the shared auth header name for this target. */
  authHeaderName?: string;
  /** Override the data source's capture rules on the same figures. */
  captureRules?: CaptureRule[];
}

/** A figure a capture rule watches (pkg/capturerules Figures). */
export type CaptureFigure = 'goroutines' | 'threads' | 'os_threads' | 'rss_bytes' | 'heap_inuse_bytes';

/**
 * A capture rule (pkg/settings CaptureRuleJSON), holmes' semantics: never
 * below `min`; fires above `abs`, or `diff` percent above the mean of the
 * previous `samples` values; then quiet for `cooldownMinutes`.
 */
export interface CaptureRule {
  figure: CaptureFigure | string;
  min?: number;
  diff?: number;
  abs?: number;
  samples?: number;
  cooldownMinutes?: number;
  cpuSeconds?: number;
  traceSeconds?: number;
  /** On a target's rule: turns the data source's rule on this figure off for the target. */
  disabled?: boolean;
}

/** A directory on the Grafana server that a tool such as holmes writes dumps into. */
export interface DumpDirectoryConfig {
  name: string;
  path: string;
  /** Selects files by base name (or relative path, when it holds a '/'). */
  glob?: string;
  /**
   * The executable of the directory's core dumps, or a directory holding each
   * core's program by name; empty: the file named like the core's program beside it.
   */
  executable?: string;
}

/**
 * The dump store in an S3-compatible bucket shared by every Grafana replica
 * configured with it; the keys are the secrets objectStorageAccessKey and
 * objectStorageSecretKey.
 */
export interface ObjectStorageConfig {
  endpoint: string;
  region?: string;
  bucket: string;
  prefix?: string;
  pathStyle?: boolean;
}

/**
 * A bucket prefix that services or a sidecar ship dumps to, read like a dump
 * directory. Endpoint and bucket left empty take the object storage's; its own
 * keys are the secrets dumpBucketAccessKey.<name> and dumpBucketSecretKey.<name>.
 */
export interface DumpBucketConfig {
  name: string;
  endpoint?: string;
  region?: string;
  bucket?: string;
  prefix?: string;
  pathStyle?: boolean;
  glob?: string;
  /** The key, under the prefix, of the executable of the source's core dumps. */
  executable?: string;
}

export const dumpBucketAccessKey = (name: string) => `dumpBucketAccessKey.${name}`;
export const dumpBucketSecretKey = (name: string) => `dumpBucketSecretKey.${name}`;

/** One source of discovered targets (see README, Target discovery). */
export interface DiscovererConfig {
  name: string;
  kind: 'dns' | 'srv' | 'prometheus' | 'file';
  /** dns: the name whose A/AAAA records are read; srv: the SRV name. */
  host?: string;
  /** dns: the port of the addresses found. */
  port?: number;
  /** dns, srv: host:port of the DNS server to ask instead of the system's. */
  resolver?: string;
  /** prometheus: the server's base URL. */
  url?: string;
  jobs?: string[];
  basicAuthUser?: string;
  /** file: a file_sd file or a glob of them. */
  path?: string;
  urlTemplate?: string;
  metricsUrlTemplate?: string;
  nameLabel?: string;
  labels?: Record<string, string>;
}

/** Where discovered targets may point: every discovered URL must match. */
export interface DiscoveryAllowList {
  networks?: string[];
  hosts?: string[];
  ports?: string[];
}

export interface DiscoveryConfig {
  discoverers?: DiscovererConfig[];
  allow?: DiscoveryAllowList;
  refreshSeconds?: number;
  timeoutSeconds?: number;
  maxTargets?: number;
  maxResponseMiB?: number;
}

export function discoveryPasswordKey(name: string): string {
  return `discoveryPassword.${name}`;
}

export function discoveryBearerTokenKey(name: string): string {
  return `discoveryBearerToken.${name}`;
}

export interface PprofOptions extends DataSourceJsonData {
  targets?: TargetConfig[];
  authHeaderName?: string;
  timeoutSeconds?: number;
  maxResponseMiB?: number;
  maxFullDumpGoroutines?: number;
  minIntervalSeconds?: number;
  maxProfileSeconds?: number;
  maxTraceSeconds?: number;
  maxProfileNodes?: number;
  recordIntervalSeconds?: number;
  recordRetentionHours?: number;
  recordDisabled?: boolean;
  /** Where the recorder's history file is kept on the Grafana server; empty for the default. */
  historyDir?: string;
  /** Cadence of the recorder's full goroutine dumps (goroutine states over time). */
  fullDumpIntervalSeconds?: number;
  fullDumpsDisabled?: boolean;
  captureRules?: CaptureRule[];
  /** Bounds each target's captured dumps; the oldest bundles go first. */
  captureQuotaMiB?: number;
  /** Where uploaded dumps are kept on the Grafana server; empty for the default. */
  dumpStoreDir?: string;
  maxUploadMiB?: number;
  /** The largest core dump or executable, uploaded or in a dump directory. */
  maxCoreUploadMiB?: number;
  dumpQuotaMiB?: number;
  /** Memory for parsed dumps kept between queries. */
  parseCacheMiB?: number;
  dumpDirectories?: DumpDirectoryConfig[];
  objectStorage?: ObjectStorageConfig;
  dumpBuckets?: DumpBucketConfig[];

  discovery?: DiscoveryConfig;
  tlsSkipVerify?: boolean;
  tlsAuthWithCACert?: boolean;
  tlsAuth?: boolean;
  serverName?: string;
}

/**
 * Secrets: only sent to the backend, never read back. A target's own header
 * value is stored under `targetAuthHeaderValue.<target name>`.
 */
export interface PprofSecureJsonData {
  authHeaderValue?: string;
  tlsCACert?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
  objectStorageAccessKey?: string;
  objectStorageSecretKey?: string;
  [targetAuthKey: string]: string | undefined;
}

export function targetAuthKey(targetName: string): string {
  return `targetAuthHeaderValue.${targetName}`;
}

/** What `GET targets` tells the browser about a target: never its URL. */
export interface TargetInfo {
  name: string;
  labels?: Record<string, string>;
}

/** The source of uploaded dumps; a dump directory's files have "dir:<name>". */
export const UPLOAD_SOURCE = 'upload';

/** Metadata of a stored dump, as the dumps resource returns it (pkg/dumps Entry). */
export interface DumpInfo {
  /** sha256 of an upload's bytes, or "dir:<directory>:<relative path>". */
  id: string;
  source: string;
  name: string;
  format: string;
  formatDescription?: string;
  /** What the dump describes ("goroutine", "heap", ...). */
  profile?: string;
  /** A one-line summary of the content, such as a crash's first line. */
  detail?: string;
  compressed?: boolean;
  size: number;
  capturedAt?: string;
  /** Where the capture time came from: content, log, name, upload, modified or user. */
  capturedFrom?: string;
  /** How many snapshots a file of several holds (a log of several crashes). */
  snapshotCount?: number;
  /** The snapshots of such a file, in file order (the newest 1000 at most). */
  snapshots?: DumpSnapshotInfo[];
  uploader?: string;
  uploadedAt?: string;
  modifiedAt?: string;
  /** Why a file in a dump directory cannot be used. */
  error?: string;
  /** What a core dump says of its process (format "core"). */
  core?: CoreInfo;
  /** Why the backend captured the dump, for dumps of a capture source ("capture:<target>"). */
  capture?: {
    target: string;
    bundle: string;
    at: string;
    reason: string;
    figures?: string[];
    part: string;
    baseline?: boolean;
  };
}

/** One snapshot of a file that holds several (pkg/dumps SnapshotInfo). */
export interface DumpSnapshotInfo {
  /** Position in the file, from 1. */
  index: number;
  /** The time stamp of the log line before it, when there is one. */
  loggedAt?: string;
  kind: string;
  detail?: string;
  goroutines: number;
}

/** A place dumps come from: the uploads, a target's captures, or a dump directory configured by an admin. */
export interface DumpSource {
  id: string;
  name: string;
  kind: 'upload' | 'capture' | 'dir' | string;
}

export interface DumpListFilter {
  source?: string;
  format?: string;
  /** Every format of one profile ("goroutine" takes dumps, crash output and profiles alike), or "race", "trace". */
  profile?: string;
}

/** A core dump's process, as the backend read it with its executable. */
export interface CoreInfo {
  /** The stored executable of an uploaded core. */
  executableId?: string;
  executable: string;
  goVersion?: string;
  arch?: string;
  /** The signal the kernel dumped core on; empty for gcore of a live process. */
  signal?: string;
  /** The goroutine on the thread that received the signal. */
  goroutine?: number;
  goroutines: number;
  threads: number;
}

/** An executable stored for the core dumps of its program. */
export interface StoredExecutable {
  id: string;
  name: string;
  size: number;
}

/** Extra fields of an upload's begin request. */
export interface UploadKind {
  /** "executable" for the executable of core dumps. */
  kind?: 'executable';
  /** The stored executable of the core dump being uploaded. */
  executable?: string;
  /** The file's modification time, Unix milliseconds: a core is listed at it. */
  modifiedAt?: number;
}

export interface UploadSession {
  uploadId: string;
  /** The chunk size the backend asks for. */
  chunkSize: number;
  /** The largest request body it accepts, a whole small file included. */
  maxRequestBytes?: number;
}

export type VariableQueryKind = 'targets' | 'labelValues' | 'dumps' | 'dumpSources';

/** The model of a dashboard variable's query. */
export interface PprofVariableQuery extends DataQuery {
  kind: VariableQueryKind;
  /** For labelValues: the target label whose values to list. */
  label?: string;
  /** For dumps: only dumps of this source / format. */
  source?: string;
  format?: string;
  /**
   * For dumps, only dumps of this profile ("goroutine", "heap", "trace"...);
   * for dump sources, the sources are listed newest such dump first, so a
   * variable's default (its first value) is the source with the newest.
   */
  profile?: string;
}
