// What `import * as tf from '@tensorflow/tfjs'` gives a plugin: gridfold's workers (and
// `gridfold run --local`) hand it their own TensorFlow.js, core ops plus the layers API, on the
// backend they started. This repository installs those two packages rather than the umbrella
// `@tensorflow/tfjs`, so this tells TypeScript what the import holds. In a project of your own,
// `npm install -D @tensorflow/tfjs` does the same (for its types: the bundle leaves it to the worker).
declare module '@tensorflow/tfjs' {
  export * from '@tensorflow/tfjs-core';
  export * from '@tensorflow/tfjs-layers';
}
