// A real OpenID Connect provider for cdop's tests and its local single sign-on demo: panva's
// oidc-provider (OpenID Certified), configured as a first-party staff directory would be.
//
//   node tests/oidc/provider.mjs [--port N]        (N = 0, the default, picks a free port)
//
// It prints one line, `issuer=http://127.0.0.1:PORT`, once it is listening, then serves until
// killed. Environment:
//   OIDC_CLIENTS  JSON array of clients (default: one client `cdop`, secret `cdop-test-secret`).
// `GET /test/last-token-auth` says how the last token request sent the client's secret
// (`client_secret_basic` or `client_secret_post`).
//                 Clients are registered as `native` so their loopback redirect URIs match on any
//                 port (RFC 8252 §7.3): the service under test listens on a port chosen at start.
//
// Its sign-in page asks for an email address (which becomes the account and its `sub`), a name,
// whether a second factor was used (`amr` gains `mfa`), an optional `acr`, whether the email
// address is verified, and app roles (a `roles` claim, as Entra ID sends). No password is asked:
// this is a test directory, not a real one.
// Consent is granted without a page, as an organisation's provider does for its own services.
import http from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const portArg = process.argv.indexOf('--port');
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;

const defaultClients = [{
  client_id: 'cdop',
  client_secret: 'cdop-test-secret',
  application_type: 'native',
  redirect_uris: ['http://127.0.0.1/login/sso/demo/callback', 'http://127.0.0.1/login/sso/test/callback'],
  post_logout_redirect_uris: ['http://127.0.0.1/login'],
}];
const clients = process.env.OIDC_CLIENTS ? JSON.parse(process.env.OIDC_CLIENTS) : defaultClients;

// Accounts are whatever the sign-in page was given; their claims are kept here by account id.
const accounts = new Map();

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; if (data.length > 65536) req.destroy(); });
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(data))));
    req.on('error', reject);
  });
}

const server = http.createServer();
server.listen(port, '127.0.0.1', async () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), use: 'sig', alg: 'RS256', kid: 'test-key-1' };

  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [jwk] },
    cookies: { keys: ['cdop-test-provider-cookie-key'] },
    claims: {
      // How the user signed in goes with every ID token, as an organisation's provider sends it.
      openid: ['sub', 'acr', 'amr', 'auth_time', 'roles'], email: ['email', 'email_verified'], profile: ['name'],
    },
    // The claims the scopes grant go in the ID token itself, as Entra ID and CIS2 put them.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const account = accounts.get(id);
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
  });
  const callback = provider.callback();

  // How the last token request carried the client's secret, for tests of the relying party's
  // client authentication (oidc-provider itself accepts either for a client with a secret).
  let lastTokenAuth = 'none';
  server.on('request', async (req, res) => {
    if (req.method === 'POST' && req.url.startsWith('/token')) {
      lastTokenAuth = req.headers.authorization ? 'client_secret_basic' : 'client_secret_post';
    }
    if (req.method === 'GET' && req.url === '/test/last-token-auth') {
      res.setHeader('Content-Type', 'text/plain');
      return res.end(lastTokenAuth);
    }
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(req.url.split('?')[0]);
    if (!match) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'consent') {
        // Native clients are always asked for consent (oidc-provider's `native_client_prompt`);
        // a first-party client's is the organisation's, so it is granted without a page.
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
        const missing = details.prompt.details;
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        const grantId = await grant.save();
        return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      }
      if (req.method === 'POST' && match[2]) {
        const form = await readForm(req);
        const email = String(form.email || '').trim().toLowerCase();
        if (!email) throw new Error('email is required');
        const roles = String(form.roles || '').split(',').map((r) => r.trim()).filter(Boolean);
        accounts.set(email, {
          email,
          email_verified: form.unverified !== 'yes',
          name: String(form.name || email),
          ...(roles.length ? { roles } : {}),
        });
        const amr = form.mfa === 'yes' ? ['pwd', 'mfa'] : ['pwd'];
        const login = { accountId: email, amr, ...(form.acr ? { acr: String(form.acr) } : {}) };
        return provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
      }
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(page('Test identity provider: sign in', `
        <form method="post" action="/interaction/${escape(details.uid)}/login">
          <p><label for="email">Email address</label><br><input id="email" name="email" type="email" autocomplete="username" required></p>
          <p><label for="name">Name</label><br><input id="name" name="name" type="text"></p>
          <p><input id="mfa" name="mfa" type="checkbox" value="yes"> <label for="mfa">I used a second factor</label></p>
          <p><label for="acr">Authentication context (acr), if any</label><br><input id="acr" name="acr" type="text"></p>
          <p><input id="unverified" name="unverified" type="checkbox" value="yes"> <label for="unverified">My email address is not verified</label></p>
          <p><label for="roles">Roles (the roles claim), comma-separated</label><br><input id="roles" name="roles" type="text"></p>
          <p><button type="submit" id="sign-in">Sign in</button></p>
        </form>`));
    } catch (err) {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/html; charset=utf-8');
      res.end(page('Sign-in failed', `<p>${escape(err.message)}</p>`));
    }
  });

  process.stdout.write(`issuer=${issuer}\n`);
});
