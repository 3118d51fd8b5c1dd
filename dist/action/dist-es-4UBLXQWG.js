import { createRequire as __fedimgCreateRequire } from 'node:module';
import { fileURLToPath as __fedimgFileURLToPath } from 'node:url';
import { dirname as __fedimgDirname } from 'node:path';
const require = __fedimgCreateRequire(import.meta.url);
const __filename = __fedimgFileURLToPath(import.meta.url);
const __dirname = __fedimgDirname(__filename);
import {
  ENV_ACCOUNT_ID,
  ENV_CREDENTIAL_SCOPE,
  ENV_EXPIRATION,
  ENV_KEY,
  ENV_SECRET,
  ENV_SESSION,
  fromEnv
} from "./chunk-MOACG3ZA.js";
import "./chunk-B7DO5AY6.js";
import "./chunk-TKGK2V6E.js";
import "./chunk-XIU66XNE.js";
import "./chunk-24FWGFHC.js";
export {
  ENV_ACCOUNT_ID,
  ENV_CREDENTIAL_SCOPE,
  ENV_EXPIRATION,
  ENV_KEY,
  ENV_SECRET,
  ENV_SESSION,
  fromEnv
};
