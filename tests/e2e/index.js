// `node --test tests/e2e/` resolves this folder to this file (Node 22 takes a folder
// argument as a module), so every browser test file is listed here.
import './card.test.mjs';
import './order.test.mjs';
import './dashboard.test.mjs';
import './loader.test.mjs';
