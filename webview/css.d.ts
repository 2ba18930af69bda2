/** A stylesheet bundled as its text (esbuild's `text` loader, scripts/build.mjs): the notebook renderer puts it in a <style>. */
declare module '*.css' {
  const text: string;
  export default text;
}
