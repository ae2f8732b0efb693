/* Proof of work for the anonymous forms (see whistleblowing/gate.py).
 * Finds a number `proof` such that SHA-256(nonce + ":" + proof) starts with `data-pow-bits`
 * zero bits, in small slices so the page stays responsive, and puts it in the hidden field.
 * Without this script the server asks for a short wait instead: nothing depends on it. */
(function () {
  "use strict";
  var K = [], H = [], n = 2, found = 0;
  function frac(x) { return ((x - Math.floor(x)) * 4294967296) | 0; }
  while (found < 64) {
    var prime = true;
    for (var d = 2; d * d <= n; d++) { if (n % d === 0) { prime = false; break; } }
    if (prime) { if (found < 8) { H.push(frac(Math.sqrt(n))); } K.push(frac(Math.cbrt(n))); found++; }
    n++;
  }
  function utf8(text) { return new TextEncoder().encode(text); }
  function sha256(bytes) {
    var len = bytes.length, blocks = ((len + 9 + 63) >> 6) << 4, w = new Int32Array(blocks), i;
    for (i = 0; i < len; i++) { w[i >> 2] |= bytes[i] << (24 - (i % 4) * 8); }
    w[len >> 2] |= 0x80 << (24 - (len % 4) * 8);
    w[blocks - 1] = len * 8;
    var h = H.slice(), m = new Int32Array(64);
    for (var b = 0; b < blocks; b += 16) {
      var a = h[0], c1 = h[1], c2 = h[2], c3 = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (i = 0; i < 64; i++) {
        if (i < 16) { m[i] = w[b + i]; } else {
          var x = m[i - 15], y = m[i - 2];
          m[i] = (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) +
            m[i - 7] + (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)) + m[i - 16] | 0;
        }
        var t1 = hh + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
          ((e & f) ^ (~e & g)) + K[i] + m[i] | 0;
        var t2 = (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
          ((a & c1) ^ (a & c2) ^ (c1 & c2)) | 0;
        hh = g; g = f; f = e; e = c3 + t1 | 0; c3 = c2; c2 = c1; c1 = a; a = t1 + t2 | 0;
      }
      h[0] = h[0] + a | 0; h[1] = h[1] + c1 | 0; h[2] = h[2] + c2 | 0; h[3] = h[3] + c3 | 0;
      h[4] = h[4] + e | 0; h[5] = h[5] + f | 0; h[6] = h[6] + g | 0; h[7] = h[7] + hh | 0;
    }
    return h;
  }
  function zeroBits(h) {
    var bits = 0;
    for (var i = 0; i < 8; i++) {
      if (h[i] === 0) { bits += 32; continue; }
      return bits + Math.clz32(h[i]);
    }
    return bits;
  }
  function solve(form) {
    var nonce = form.querySelector("input[name=nonce]"), proof = form.querySelector("input[name=proof]");
    var bits = parseInt(form.getAttribute("data-pow-bits"), 10);
    if (!nonce || !proof || !(bits > 0) || !window.TextEncoder) { return; }
    var counter = 0, done = false, waiting = false, prefix = nonce.value + ":";
    function slice() {
      for (var k = 0; k < 20000; k++, counter++) {
        if (zeroBits(sha256(utf8(prefix + counter))) >= bits) {
          proof.value = String(counter); done = true;
          if (waiting) { form.submit(); }
          return;
        }
      }
      setTimeout(slice, 0);
    }
    form.addEventListener("submit", function (event) {
      if (!done) { event.preventDefault(); waiting = true; }
    });
    setTimeout(slice, 0);
  }
  var forms = document.querySelectorAll("form[data-pow-bits]");
  for (var i = 0; i < forms.length; i++) { solve(forms[i]); }
})();
