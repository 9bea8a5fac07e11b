// Run the page's engine (nettree/export/page_engine.js) under Node on many patients.
//
//   node tests/js/engine_check.mjs ENGINE.js DATA.json PATIENTS.json
//
// DATA.json: the page data nettree.export.html.page_data() builds (what the page embeds);
// PATIENTS.json: a list of raw patient mappings. Prints, as one JSON list in the same order,
// what the engine's traverse() gives for each (Result.to_dict() of nettree.traverse, or
// {error: ...}); an exception in the engine is reported as {error, exception: true}, so the
// comparison in tests/test_page_engine.py shows it against the patient that raised it.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const [enginePath, dataPath, patientsPath] = process.argv.slice(2);
if (!patientsPath) {
  process.stderr.write("usage: node engine_check.mjs ENGINE.js DATA.json PATIENTS.json\n");
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { create } = require(resolve(enginePath));
const engine = create(JSON.parse(readFileSync(dataPath, "utf-8")));
const patients = JSON.parse(readFileSync(patientsPath, "utf-8"));
const results = patients.map((patient) => {
  try {
    return engine.traverse(patient);
  } catch (exc) {
    return { error: String(exc && exc.stack ? exc.stack : exc), exception: true };
  }
});
process.stdout.write(JSON.stringify(results));
process.stdout.write("\n");
