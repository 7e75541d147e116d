// Modules the build script makes: the worker's bundled script, and the presets as text.
declare module 'playground:worker' {
  const source: string;
  export default source;
}
declare module '*?raw' {
  const text: string;
  export default text;
}
