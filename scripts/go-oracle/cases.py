#!/usr/bin/env python3
"""Request bodies for the Go oracle: the hostile cases found from outside, their variants, and a
seeded random mix of the same ingredients (key spellings, duplicates, nulls, wrong types, numbers
at the edges). One JSON line per case: {"shape": ..., "body": base64, "name": ...}."""
import base64, json, random, sys

cases = []
def case(shape, body, name=None):
    if isinstance(body, str):
        body = body.encode("utf-8")
    cases.append({"shape": shape, "name": name or body.decode("utf-8", "replace")[:120],
                  "body": base64.b64encode(body).decode()})

M = '"model":"m"'
# --- native options: exact map keys, merging, nulls, number conversions --------------------
for s in ["GENERATE", "CHAT"]:
    for o in ['{"num_predict":100000,"NUM_PREDICT":1}', '{"NUM_PREDICT":1,"num_predict":100000}',
              '{"num_predict":1e19}', '{"num_predict":-1e19}', '{"num_predict":9223372036854775807}',
              '{"num_predict":1e400}', '{"num_predict":-1}', '{"num_predict":1.9}', '{"num_predict":-0.5}',
              '{"num_predict":"5"}', '{"num_predict":true}', '{"num_predict":null}', '{"num_predict":[1]}',
              '{"num_predict":{"a":1}}', '{"options":{"num_predict":5}}', '{"num_predict":1e-400}',
              '{"num_predict":5,"num_predict":7}', '{"num_predict":7,"num_predict":null}', '[]', '5', '"x"', 'null', '{}']:
        case(s, '{%s,"options":%s}' % (M, o))
    case(s, '{%s,"Options":{"num_predict":100000},"options":{"temperature":1}}' % M)
    case(s, '{%s,"options":{"num_predict":100000},"OPTIONS":{"temperature":1}}' % M)
    case(s, '{%s,"options":{"num_predict":100000},"options":null}' % M)
    case(s, '{%s,"options":null,"options":{"num_predict":5}}' % M)
    case(s, '{%s,"options":{"num_predict":100000},"options":{"num_predict":null}}' % M)
    case(s, '{%s,"options":{"num_predict":1},"opTions":{"num_predict":100000}}' % M)
    case(s, '{%s,"optıons":{"num_predict":100000}}' % M)
    case(s, '{%s,"o\\u0070tions":{"num_predict":100000}}' % M)
    for st in ['"stream":false,"STREAM":true', '"stream":true,"stream":null', '"stream":false,"stream":null',
               '"Stream":"yes"', '"stream":1', '"ſtream":false', '"stream":false,"ſtream":true']:
        case(s, '{%s,%s}' % (M, st))
    for ka in ['"keep_alive":null', '"keep_alive":"5m","keep_alive":null', '"keep_alive":null,"keep_alive":-1',
               '"\u212Aeep_alive":0', '"KEEP_ALIVE":300', '"keep_alive":{"a":[1,2]}']:
        case(s, '{%s,%s}' % (M, ka))
    for md in ['"MODEL":"a"', '"model":5', '"model":null', '"model":"a","model":null', '"\\u006dodel":"x"',
               '"modeł":"x"', '"model":["a"]']:
        case(s, '{%s}' % md)
    case(s, '{%s,"format":{"type":"object","properties":{"a":{"type":"string"}}}}' % M)
    case(s, '{%s,"think":true,"think":"high"}' % M)
    case(s, '{%s,"nested":%s}' % (M, "[" * 60 + "]" * 60))
case("GENERATE", '{%s,"raw":"yes"}' % M)
case("GENERATE", '{%s,"template":5}' % M)
case("GENERATE", '{%s,"system":null,"SYSTEM":"x","raw":true,"RAW":null}' % M)
case("GENERATE", '{%s,"_debug_render_only":true,"_DEBUG_RENDER_ONLY":false}' % M)
case("EMBED", '{%s,"dimensions":1.0}' % M)
case("EMBED", '{%s,"dimensions":-3,"truncate":null,"TRUNCATE":false}' % M)
# --- /api/show: model, else name ------------------------------------------------------------
for b in ['{"name":"x"}', '{"model":"","name":"x"}', '{"model":"a","name":"x"}', '{"NAME":"x","MODEL":"a"}',
          '{"name":5}', '{"verbose":"yes","model":"a"}']:
    case("SHOW", b)
# --- OpenAI chat and completions ------------------------------------------------------------
for s in ["OPENAI_CHAT", "OPENAI_COMPLETIONS"]:
    for mt in ['"max_tokens":100000,"max_completion_tokens":1', '"max_completion_tokens":1,"max_tokens":100000',
               '"max_tokens":1.5', '"max_tokens":1e3', '"max_tokens":-1', '"max_tokens":9223372036854775808',
               '"max_tokens":9223372036854775807', '"MAX_TOKENS":5', '"max_tokens":5,"max_tokens":null',
               '"max_tokens":"5"', '"max_tokens":-0']:
        case(s, '{%s,%s}' % (M, mt))
    for so in ['"stream_options":{"include_usage":true},"stream_options":{}',
               '"stream_options":{"include_usage":true},"stream_options":null',
               '"stream_options":null,"stream_options":{"include_usage":false}',
               '"stream_optıons":{"include_usage":true}', '"stream_options":{"include_usagE":true}',
               '"stream_options":{"ınclude_usage":true}', '"stream_options":[]', '"stream_options":5',
               '"Stream_Options":{"include_usage":true}', '"stream_options":{"include_usage":"true"}',
               '"stream_options":{"include_usage":true,"include_usage":null}',
               '"stream_options":{"include_usage":true},"stream_options":{"include_usage":false}']:
        case(s, '{%s,"stream":true,%s}' % (M, so))
    for st in ['"stream":"true"', '"stream":1', '"stream":null', '"stream":true,"stream":null', '"STREAM":true']:
        case(s, '{%s,%s}' % (M, st))
for b in ['{"model":"m","max_output_tokens":5}', '{"model":"m","max_output_tokens":5.5}', '{"model":"m","stream":null}',
          '{"model":"m","MAX_OUTPUT_TOKENS":7,"stream":true}']:
    case("OPENAI_RESPONSES", b)
for b in ['{"model":"m","max_tokens":0}', '{"model":"m"}', '{"model":"m","max_tokens":5.5}', '{"model":"m","max_tokens":64}',
          '{"model":"m","max_tokens":64,"max_tokens":null}', '{"model":"m","Max_Tokens":64,"stream":null}']:
    case("ANTHROPIC_MESSAGES", b)
# --- the whole document ---------------------------------------------------------------------
for b in ['', ' ', 'null', '[]', '"x"', '{"model":"m"} {"model":"n"}', '\ufeff{"model":"m"}', '{"model":"m"',
          '{"model":"m",}', "{'model':'m'}", '{"model":"m"}garbage', '{"model":"m\\ud800"}', '{"model":"m"}\n']:
    case("CHAT", b)
case("CHAT", b'{"model":"m","x":"\xff"}', "invalid UTF-8 in a value")

# --- a seeded random mix of the same ingredients --------------------------------------------
rnd = random.Random(20261123)
FOLDS = {"i": ["ı", "İ"], "s": ["ſ"], "k": ["\u212A"]}
def spell(name):
    r = rnd.random()
    if r < 0.45:
        return name
    if r < 0.75:
        return "".join(c.upper() if rnd.random() < 0.5 else c for c in name)
    if r < 0.9:
        out = []
        for c in name:
            if c.lower() in FOLDS and rnd.random() < 0.5:
                out.append(rnd.choice(FOLDS[c.lower()]))
            else:
                out.append(c)
        return "".join(out)
    return name + rnd.choice(["", "_", "x", " "])
def esc(s):
    return json.dumps(s, ensure_ascii=rnd.random() < 0.3)
NUMS = ["0", "-0", "1", "-1", "5", "1.5", "1e3", "1E3", "-1e19", "1e19", "9223372036854775807", "9223372036854775808",
        "1e308", "1e400", "100000", "0.0", "4096"]
def value(depth=0):
    r = rnd.random()
    if r < 0.2:
        return rnd.choice(NUMS)
    if r < 0.35:
        return esc(rnd.choice(["m", "llama3.2:3b", "5", "true", "", "5m", "-1"]))
    if r < 0.45:
        return rnd.choice(["true", "false"])
    if r < 0.55:
        return "null"
    if r < 0.62 and depth < 3:
        return "[" + ",".join(value(depth + 1) for _ in range(rnd.randint(0, 3))) + "]"
    if depth < 3:
        keys = ["num_predict", "num_ctx", "include_usage", "temperature", "x"]
        return "{" + ",".join("%s:%s" % (esc(spell(rnd.choice(keys))), value(depth + 1)) for _ in range(rnd.randint(0, 4))) + "}"
    return "1"
FIELDS = {
    "GENERATE": ["model", "stream", "options", "keep_alive", "think", "raw", "template", "system", "_debug_render_only", "format", "prompt"],
    "CHAT": ["model", "stream", "options", "keep_alive", "think", "_debug_render_only", "format", "messages"],
    "EMBED": ["model", "options", "keep_alive", "truncate", "dimensions", "input"],
    "SHOW": ["model", "name", "system", "template", "verbose", "options"],
    "OPENAI_CHAT": ["model", "stream", "stream_options", "max_tokens", "max_completion_tokens", "_debug_render_only", "messages"],
    "OPENAI_COMPLETIONS": ["model", "stream", "stream_options", "max_tokens", "_debug_render_only", "prompt"],
    "OPENAI_RESPONSES": ["model", "stream", "max_output_tokens", "input"],
    "ANTHROPIC_MESSAGES": ["model", "max_tokens", "stream", "messages"],
}
for i in range(3000):
    shape = rnd.choice(list(FIELDS))
    members = ['"model":"m"'] if rnd.random() < 0.7 else []
    for _ in range(rnd.randint(1, 5)):
        members.append("%s:%s" % (esc(spell(rnd.choice(FIELDS[shape]))), value()))
    rnd.shuffle(members)
    case(shape, "{" + ",".join(members) + "}", "random %d" % i)

for c in cases:
    sys.stdout.write(json.dumps(c) + "\n")
