// Real clients that give up mid-stream: ollama-js abort() and an OpenAI stream's controller.abort().
// Usage: GATEWAY=http://127.0.0.1:PORT KEY=crl_... node abort.mjs
import { Ollama } from 'ollama';
import OpenAI from 'openai';

const gateway = process.env.GATEWAY;
const key = process.env.KEY;
const out = {};
const slow = { 'X-Sim-Tokens': '2000', 'X-Sim-Tokens-Per-Second': '50' };

const ollama = new Ollama({ host: gateway, headers: { Authorization: `Bearer ${key}`, ...slow } });
try {
  const stream = await ollama.chat({ model: 'llama3.2:3b', stream: true, messages: [{ role: 'user', content: 'long' }] });
  let parts = 0;
  for await (const part of stream) {
    parts++;
    if (parts === 5) stream.abort();
  }
  out.ollama = { parts };
} catch (e) {
  out.ollama = { aborted: e.name === 'AbortError' || String(e).includes('abort'), error: String(e.message || e) };
}

const openai = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: key, maxRetries: 0, defaultHeaders: slow });
try {
  const stream = await openai.chat.completions.create({ model: 'llama3.2:3b', stream: true,
    messages: [{ role: 'user', content: 'long' }] });
  let chunks = 0;
  for await (const c of stream) {
    chunks++;
    if (chunks === 5) stream.controller.abort();
  }
  out.openai = { chunks };
} catch (e) {
  out.openai = { aborted: true, error: String(e.message || e) };
}
process.stdout.write(JSON.stringify(out) + '\n');
