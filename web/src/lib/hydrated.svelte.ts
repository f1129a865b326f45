/**
 * Whether the calling component's script is running: false in the prerendered page, true once the
 * component has mounted. A control disabled until then never takes a tap, click or toggle that no
 * handler would see (on a slow phone, or a busy machine, the page shows well before it hydrates).
 * Call it while the component initialises.
 */
import { onMount } from 'svelte';

export function hydrated(): { readonly current: boolean } {
  let current = $state(false);
  onMount(() => {
    current = true;
  });
  return {
    get current() {
      return current;
    }
  };
}
