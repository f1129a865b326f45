/**
 * The review page's state and actions: sign in with the admin token (kept for this tab only, in
 * sessionStorage), list the shared photos, fetch each one with the token, hash it and check it with
 * the app's current model, then order the list (flagged first, duplicates together) once all are
 * checked, so rows do not jump while a maintainer works through them.
 */
import { SvelteMap } from 'svelte/reactivity';
import type { ReviewAction, ReviewPhoto } from '../../../../edge/src/contract';
import { ApiError, type Api } from '../api/client';
import { photoDHash } from './dhash';
import { reviewRows, type ModelCheck, type ReviewRow } from './order';

const TOKEN_KEY = 'pawlens.adminToken';

export interface ReviewDeps {
  api: Api;
  storage: Storage;
  /** Classifies a photo with the app's current model, recording nothing. */
  classify: (photo: Blob) => Promise<ModelCheck>;
}

export class ReviewSession {
  token = $state<string | null>(null);
  rows = $state.raw<ReviewRow[]>([]);
  /** The selected photo's id: the one the keyboard shortcuts act on. */
  current = $state<string | null>(null);
  loading = $state(false);
  /** How many photos the current model has checked, of how many. */
  checked = $state({ done: 0, total: 0 });
  error = $state('');
  readonly urls = new SvelteMap<string, string>();
  readonly checks = new SvelteMap<string, ModelCheck>();
  private readonly hashes = new Map<string, string>();
  /** Bumped by every load and sign-out: work from an older one stops. */
  private generation = 0;
  /** The last review action asked for; the next one waits for it. */
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ReviewDeps) {
    this.token = deps.storage.getItem(TOKEN_KEY);
  }

  signIn(token: string): Promise<void> {
    this.deps.storage.setItem(TOKEN_KEY, token);
    this.token = token;
    return this.load();
  }

  signOut(message = ''): void {
    this.deps.storage.removeItem(TOKEN_KEY);
    this.token = null;
    this.generation++;
    this.clear();
    this.error = message;
  }

  /** Fetches the list and every photo, then checks and orders them. */
  async load(): Promise<void> {
    const token = this.token;
    if (!token) return;
    const mine = ++this.generation;
    this.clear();
    this.loading = true;
    this.error = '';
    try {
      const { photos } = await this.deps.api.reviewList(token);
      if (mine !== this.generation) return;
      this.rows = reviewRows(photos, new Map(), new Map());
      this.current = this.rows[0]?.photo.id ?? null;
      this.checked = { done: 0, total: photos.length };
      for (const row of this.rows) {
        const blob = await this.deps.api.reviewPhoto(token, row.photo.id);
        if (mine !== this.generation) return;
        this.urls.set(row.photo.id, URL.createObjectURL(blob));
        await this.check(row.photo.id, blob);
        this.checked = { done: this.checked.done + 1, total: photos.length };
      }
      if (mine !== this.generation) return;
      this.rows = reviewRows(photos, this.checks, this.hashes);
      this.current = this.rows[0]?.photo.id ?? null;
    } catch (e) {
      if (mine === this.generation) this.fail(e);
    } finally {
      if (mine === this.generation) this.loading = false;
    }
  }

  /** Hashes a photo and has the current model classify it; a photo that fails either is shown unchecked. */
  private async check(id: string, blob: Blob): Promise<void> {
    try {
      this.hashes.set(id, await photoDHash(blob));
      this.checks.set(id, await this.deps.classify(blob));
    } catch (e) {
      console.warn(`Could not check photo ${id}.`, e);
    }
  }

  /**
   * Approves, relabels or rejects the selected photo (or `id`), then selects the next one. Actions go
   * out one at a time, in the order they were asked for, so the last key pressed is what the server
   * keeps and what the row shows.
   */
  act(action: ReviewAction, id = this.current): Promise<void> {
    this.sending = this.sending.then(() => this.send(action, id));
    return this.sending;
  }

  private async send(action: ReviewAction, id: string | null): Promise<void> {
    if (!this.token || !id) return;
    this.error = '';
    try {
      const photo = await this.deps.api.review(this.token, id, action);
      // The row keeps its place and its flag: the order is the one set when the list was checked.
      this.rows = this.rows.map((r) => (r.photo.id === id ? { ...r, photo } : r));
      if (id === this.current) this.move(1);
    } catch (e) {
      this.fail(e);
    }
  }

  /** Selects the next (1) or previous (-1) photo. */
  move(step: 1 | -1): void {
    const at = this.rows.findIndex((r) => r.photo.id === this.current);
    const next = this.rows[Math.min(this.rows.length - 1, Math.max(0, at + step))];
    if (next) this.current = next.photo.id;
  }

  select(photo: ReviewPhoto): void {
    this.current = photo.id;
  }

  dispose(): void {
    this.generation++;
    this.clear();
  }

  private fail(e: unknown): void {
    if (e instanceof ApiError && e.status === 401) return this.signOut('The server did not accept that token. Enter the admin token again.');
    this.error = e instanceof Error ? e.message : String(e);
  }

  private clear(): void {
    for (const url of this.urls.values()) URL.revokeObjectURL(url);
    this.urls.clear();
    this.checks.clear();
    this.hashes.clear();
    this.rows = [];
    this.current = null;
  }
}
