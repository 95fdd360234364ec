// A real OpenID Provider for the test suite: panva's oidc-provider (OpenID Certified), on 127.0.0.1.
//
// Started by tests/oidc_fixtures.py (`node tests/oidc/provider.js`), configured by environment:
//   OIDC_PORT           port to listen on (0: any free one); the chosen port is printed as "listening <port>"
//   OIDC_CLIENT_ID      the relying party's client id
//   OIDC_CLIENT_SECRET  its secret (client_secret_basic at the token endpoint)
//   OIDC_USERS_FILE     JSON {"username": {"password", "name", "email", "groups": [...], "roles": [...]}},
//                       read again at every sign-in, so a test changes someone's groups "at the provider"
//
// The relying party runs on an ephemeral loopback port, so redirect URIs on 127.0.0.1 match on any
// port (the loopback rule of RFC 8252 section 7.3); everything else must match exactly. The signing key
// is a fresh RSA key at each start. The login page is this script's own (username and password from the
// users file); consent is granted for the one first-party client, as Entra ID does once an
// administrator has consented for the organisation.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT || 0);
const clientId = process.env.OIDC_CLIENT_ID || 'incident-hub';
const clientSecret = process.env.OIDC_CLIENT_SECRET || 'test-client-secret';
const usersFile = process.env.OIDC_USERS_FILE;
const CALLBACK_PATH = '/login/oidc/callback';
const SCOPE = 'openid profile email';

function users() {
  return usersFile ? JSON.parse(readFileSync(usersFile, 'utf8')) : {};
}

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginPage(res, uid, error) {
  res.statusCode = error ? 401 : 200;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(`<!doctype html><html lang="en"><head><title>Test provider: sign in</title></head><body>
<h1>Test provider</h1>${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="username">Username</label><input id="username" name="username" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password">
<button type="submit">Sign in</button></form></body></html>`);
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };

const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [`http://127.0.0.1${CALLBACK_PATH}`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    // Entra ID puts `groups` (or app `roles`) into the ID token whatever the scope.
    claims: { openid: ['sub', 'groups', 'roles'], profile: ['name', 'preferred_username'], email: ['email'] },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, sub) {
      const person = users()[sub];
      if (!person) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            name: person.name || sub,
            preferred_username: sub,
            email: person.email,
            groups: person.groups || [],
            roles: person.roles || [],
          };
        },
      };
    },
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
      grant.addOIDCScope(SCOPE);
      await grant.save();
      return grant;
    },
  });

  // Loopback redirect URIs match on any port (RFC 8252 section 7.3): the app under test has an ephemeral one.
  const exactMatch = provider.Client.prototype.redirectUriAllowed;
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    if (exactMatch.call(this, value)) return true;
    try {
      const url = new URL(value);
      return url.protocol === 'http:' && url.hostname === '127.0.0.1' && url.pathname === CALLBACK_PATH && !url.search;
    } catch {
      return false;
    }
  };

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    const match = /^\/interaction\/([^/?]+)(\/login)?/.exec(req.url);
    if (!match) return callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      if (match[1] !== details.uid) throw new Error('interaction mismatch');
      if (req.method === 'GET') return loginPage(res, details.uid);
      const form = await readForm(req);
      const username = form.get('username') || '';
      const person = users()[username];
      if (!person || person.password !== form.get('password')) return loginPage(res, details.uid, 'Wrong username or password.');
      return await provider.interactionFinished(req, res, { login: { accountId: username } }, { mergeWithLastSubmission: false });
    } catch (err) {
      res.statusCode = 400;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`interaction refused: ${err.message}`);
    }
  });
  console.log(`listening ${server.address().port}`);
});
