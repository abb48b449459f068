// Drives the real npm clients against a running Corral and prints what they saw, as one JSON object.
// Usage: GATEWAY=http://127.0.0.1:PORT KEY=crl_... node clients.mjs
import { Ollama } from 'ollama';
import OpenAI from 'openai';

const gateway = process.env.GATEWAY;
const key = process.env.KEY;
const out = {};

const ollama = new Ollama({ host: gateway, headers: { Authorization: `Bearer ${key}` } });
const anonymous = new Ollama({ host: gateway });
const openai = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: key, maxRetries: 0 });

async function step(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    out[name] = { error: String(e && e.message || e), status: e && (e.status_code ?? e.status) };
  }
}

await step('ollama_list', async () => ({ models: (await ollama.list()).models.map((m) => m.name) }));
await step('ollama_unauthenticated', async () => { await anonymous.list(); return { unexpected: 'success' }; });
await step('ollama_chat_stream', async () => {
  const stream = await ollama.chat({ model: 'llama3.2:3b', stream: true,
    messages: [{ role: 'user', content: 'why is the sky blue' }] });
  let parts = 0; let text = ''; let last;
  for await (const part of stream) { parts++; text += part.message.content; last = part; }
  return { parts, text, prompt_eval_count: last.prompt_eval_count, eval_count: last.eval_count, done: last.done };
});
await step('ollama_generate', async () => {
  const r = await ollama.generate({ model: 'llama3.2:3b', prompt: 'one two three four', stream: false });
  return { prompt_eval_count: r.prompt_eval_count, eval_count: r.eval_count, response: r.response };
});
await step('ollama_embed', async () => {
  const r = await ollama.embed({ model: 'nomic-embed-text', input: ['alpha beta', 'gamma'] });
  return { vectors: r.embeddings.length, prompt_eval_count: r.prompt_eval_count };
});
await step('openai_chat_stream_usage', async () => {
  const stream = await openai.chat.completions.create({ model: 'llama3.2:3b', stream: true,
    stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'count to five' }] });
  let chunks = 0; let text = ''; let usage = null;
  for await (const c of stream) { chunks++; if (c.choices[0]) text += c.choices[0].delta.content ?? ''; if (c.usage) usage = c.usage; }
  return { chunks, text, usage };
});
await step('openai_chat_stream_plain', async () => {
  const stream = await openai.chat.completions.create({ model: 'llama3.2:3b', stream: true,
    messages: [{ role: 'user', content: 'count to five' }] });
  let chunks = 0; let usage = null;
  for await (const c of stream) { chunks++; if (c.usage) usage = c.usage; }
  return { chunks, usage };
});
await step('openai_embeddings', async () => {
  // No encoding_format: the SDK asks for base64 and decodes it into float32 numbers itself.
  const r = await openai.embeddings.create({ model: 'nomic-embed-text', input: 'a b c d' });
  return { vectors: r.data.length, usage: r.usage, embedding: Array.from(r.data[0].embedding) };
});
await step('openai_embeddings_float', async () => {
  const r = await openai.embeddings.create({ model: 'nomic-embed-text', input: 'a b c d', encoding_format: 'float' });
  return { vectors: r.data.length, embedding: r.data[0].embedding };
});
await step('openai_models', async () => {
  const ids = [];
  for await (const m of openai.models.list()) ids.push(m.id);
  return { ids };
});
await step('openai_forbidden_model', async () => {
  await openai.chat.completions.create({ model: 'gpt-oss:120b-cloud', messages: [{ role: 'user', content: 'x' }] });
  return { unexpected: 'success' };
});

process.stdout.write(JSON.stringify(out) + '\n');
