/** Core data types shared by every stage. Plain data only: no classes, nothing that cannot cross a worker boundary. */

/** One record of an input shard, ready to fingerprint. */
export interface Sample {
  /** Value of the id field, else `${file}#${row}`. */
  id: string;
  text: string;
  /** Input path or URL as the user gave it (after glob expansion). */
  file: string;
  /** 0-based record index within the file. */
  row: number;
  /** Provenance tags read from --tag-field paths (registry build only). */
  tags?: Record<string, string>;
  /** The prompt the text answers (registry build only): human text, so it carries no evidence. */
  prompt?: string;
}

/** Why a record was not scanned. Stable strings: they appear in report.json. */
export type SkipReason =
  | 'malformed_json'
  | 'not_an_object'
  | 'missing_text'
  | 'non_string_text'
  | 'empty_text'
  | 'invalid_utf8'
  | 'record_too_large'
  | 'truncated_input'
  | 'corrupt_file'
  | 'empty_file'
  /** The byte source failed (I/O or network error), as opposed to its content being bad. */
  | 'read_error';

export interface SkippedRecord {
  file: string;
  /** 0-based record index; for file-level failures the index of the first record that could not be read. */
  row: number;
  reason: SkipReason;
  /** The field involved, when there is one (e.g. the text field path). */
  field?: string;
  message: string;
  /** How many records this entry stands for (a file-level failure counts the records known lost: 0 when unknown). */
  count: number;
}

/** Byte-range access to one input, local or remote. Readers use nothing else. */
export interface ByteSource {
  /** Path or URL as shown to users. */
  readonly name: string;
  size(): Promise<number>;
  /** Bytes [start, end). end is clamped to size. */
  read(start: number, end: number): Promise<Uint8Array>;
}

export type MatchKind = 'exact' | 'near_duplicate' | 'contains' | 'contained_in' | 'marker';

export interface Match {
  sample_id: string;
  file: string;
  row: number;
  registry_id: string;
  kind: MatchKind;
  /** Verified score 0..1 (Jaccard for near_duplicate, containment for contains/contained_in, 1 for exact, rule confidence for marker). */
  score: number;
  tags: Record<string, string>;
  /** Character ranges [start, end) in the sample's text where the evidence lies. */
  spans: Array<[number, number]>;
  /** Extra evidence numbers (matched fingerprints, chain length, channel). */
  evidence?: Record<string, number | string>;
  /** The sample text around the spans (written by scan --out), so a report can show the evidence. */
  excerpt?: Excerpt;
}

/** A window of a sample's text: text = sampleText.slice(start, start + text.length). */
export interface Excerpt {
  start: number;
  text: string;
  /** Length of the whole sample text in characters. */
  chars: number;
}
