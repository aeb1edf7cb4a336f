// Runs an ONNX model with onnxruntime-node (CPU) and prints the outputs as JSON.
// usage: node tests/export/run_onnx.mjs model.onnx inputs.json
//   inputs.json: {"name": {"dims": [..], "data": [..]}, ...}  (float32)
//   stdout:      {"name": {"dims": [..], "data": [..]}, ...}
import { readFileSync } from 'node:fs';
import ort from 'onnxruntime-node';

const [model, inputsPath] = process.argv.slice(2);
if (!model || !inputsPath) {
  console.error('usage: run_onnx.mjs model.onnx inputs.json');
  process.exit(2);
}
try {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  const raw = JSON.parse(readFileSync(inputsPath, 'utf8'));
  const feeds = {};
  for (const [name, t] of Object.entries(raw)) feeds[name] = new ort.Tensor('float32', Float32Array.from(t.data), t.dims);
  const results = await session.run(feeds);
  const out = {};
  for (const [name, t] of Object.entries(results)) out[name] = { dims: Array.from(t.dims), data: Array.from(t.data) };
  process.stdout.write(JSON.stringify(out));
} catch (e) {
  console.error(`run_onnx: ${model}: ${e.message}`);
  process.exit(1);
}
