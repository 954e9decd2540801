// The offline site's page script: typesets the math (KaTeX) and draws the Mermaid diagrams when the
// page loaded those libraries, then marks the page ready (<html data-site-ready="…">).
(function () {
  'use strict';

  function renderMath() {
    if (typeof window.renderMathInElement !== 'function') return 0;
    var blocks = document.querySelectorAll('.markdown .math, .output .math');
    blocks.forEach(function (el) {
      window.renderMathInElement(el, {
        delimiters: [
          { left: '$$', right: '$$', display: true },
          { left: '\\[', right: '\\]', display: true },
          { left: '\\(', right: '\\)', display: false },
          { left: '$', right: '$', display: false }
        ],
        throwOnError: true,
        errorCallback: function (msg, err) { console.error('KaTeX: ' + msg, err); }
      });
    });
    return blocks.length;
  }

  function renderDiagrams() {
    var mermaid = window.mermaid;
    var blocks = document.querySelectorAll('.markdown .mermaid');
    if (!mermaid || blocks.length === 0) return Promise.resolve(0);
    mermaid.initialize({
      startOnLoad: false, securityLevel: 'strict', theme: 'neutral',
      fontFamily: getComputedStyle(document.body).fontFamily
    });
    return mermaid.run({ nodes: blocks }).then(function () { return blocks.length; }, function (err) {
      console.error('Mermaid: a diagram could not be drawn: ' + ((err && err.message) || err));
      return -1;
    });
  }

  function start() {
    var math = 0;
    try { math = renderMath(); } catch (e) { console.error('KaTeX: ' + ((e && e.message) || e)); }
    renderDiagrams().then(function (diagrams) {
      document.documentElement.setAttribute('data-site-ready', 'math=' + math + ' diagrams=' + diagrams);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
