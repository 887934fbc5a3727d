// rng.js - mulberry32, a small seeded generator shared by the kill tests
// (tests/crash, tests/multi), so that a seed replays the same kill delays.
'use strict';
module.exports = function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
