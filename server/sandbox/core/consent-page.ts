const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The consent page a person (or Playwright) clicks: "Allow" posts the original query
 * back with decision=allow; "Deny" with decision=deny. Marked as a sandbox.
 */
export function consentPage(input: { provider: string; clientId: string; scope: string; actionPath: string; query: URLSearchParams; accountLabel: string }): Response {
  const hidden = [...input.query.entries()].map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`).join('');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(input.provider)} sandbox · authorize</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;padding:0 1rem;color:#0f172a}
.box{border:1px solid #cbd5e1;border-radius:.75rem;padding:1.5rem}button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #1d44ad;margin-right:.5rem;cursor:pointer}
.allow{background:#1d44ad;color:#fff}.deny{background:#fff;color:#1d44ad}.tag{font-size:.8rem;background:#fef3c7;color:#78350f;padding:.1rem .4rem;border-radius:.3rem}</style></head>
<body><div class="box"><p class="tag">Local sandbox — not the real ${escape(input.provider)}</p>
<h1>Allow access?</h1><p>The application <strong>${escape(input.clientId)}</strong> asks to access <strong>${escape(input.accountLabel)}</strong>${input.scope ? ` with scope <code>${escape(input.scope)}</code>` : ''}.</p>
<form method="post" action="${escape(input.actionPath)}">${hidden}
<button class="allow" type="submit" name="decision" value="allow">Allow</button><button class="deny" type="submit" name="decision" value="deny">Deny</button></form></div></body></html>`;
  return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } });
}
