/** Built by web/vite/shipped-model.ts from model/: the model shipped with the app, or null. */
declare module 'virtual:pawlens/shipped-model' {
  const shipped: { version: string; base: string; files: import('$edge/contract').ModelFile[] } | null;
  export default shipped;
}
