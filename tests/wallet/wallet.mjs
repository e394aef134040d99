// An independent wallet for the tests (tests/credentials/test_wallet_interop.py): the OpenID4VCI client of
// @openid4vc/openid4vci runs the pre-authorized code flow against our issuer, and @sd-jwt/sd-jwt-vc verifies
// what it receives (signature, disclosures, key binding, status from the Token Status List). Nothing here is
// ours but the glue: keys, signatures and HTTP come from Node and the two libraries.
//
//   node tests/wallet/wallet.mjs issue  <offer link> <tx_code>   -> JSON: the credential, a presentation, checks
//   node tests/wallet/wallet.mjs verify <sd-jwt vc presentation>   -> JSON: verified?, the status value read
//
// Plain http is allowed (the test server): setGlobalConfig({ allowInsecureUrls: true }).

import { createHash, generateKeyPairSync, randomBytes, sign, webcrypto } from "node:crypto";

import { clientAuthenticationAnonymous } from "@openid4vc/oauth2";
import { Openid4vciClient, setGlobalConfig } from "@openid4vc/openid4vci";
import { digest, ES256, generateSalt } from "@sd-jwt/crypto-nodejs";
import { SDJwtVcInstance } from "@sd-jwt/sd-jwt-vc";

setGlobalConfig({ allowInsecureUrls: true });

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

function jwsSign(privateKey, header, payload) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
  return `${input}.${b64url(signature)}`;
}

// The issuer's key, as a verifier finds it: the JWKS entry whose kid is the credential header's kid.
async function issuerVerifier(sdJwt) {
  const header = JSON.parse(Buffer.from(sdJwt.split(".")[0], "base64url").toString());
  const payload = JSON.parse(Buffer.from(sdJwt.split(".")[1], "base64url").toString());
  const jwks = await (await fetch(`${new URL(payload.iss).origin}/.well-known/jwks.json`)).json();
  const jwk = jwks.keys.find((key) => key.kid === header.kid);
  if (!jwk) throw new Error(`No key ${header.kid} in the issuer's JWKS`);
  const { kty, crv, x, y } = jwk;
  return ES256.getVerifier({ kty, crv, x, y });
}

async function verifier(presentation, { nonce, audience }) {
  const verify = await issuerVerifier(presentation);
  let statusRead = null;
  const sdjwt = new SDJwtVcInstance({
    hasher: digest,
    saltGenerator: generateSalt,
    verifier: verify,
    // The status list token is signed by the same issuer key.
    statusVerifier: verify,
    kbVerifier: async (data, signature, payload) => {
      const holderVerify = await ES256.getVerifier(payload.cnf.jwk);
      return holderVerify(data, signature);
    },
    statusValidator: async (status) => {
      statusRead = status;
      if (status !== 0) throw new Error(`Status is not valid: ${status}`);
    },
    loadTypeMetadataFormat: true,
  });
  try {
    const result = await sdjwt.verify(presentation, { keyBindingNonce: nonce, requiredClaimKeys: ["vct", "iss"] });
    return {
      verified: true,
      status: statusRead,
      claims: result.payload,
      kb: Boolean(result.kb) && result.kb.payload.aud === audience,
      typeMetadataName: result.typeMetadata?.mergedTypeMetadata?.name ?? null,
    };
  } catch (error) {
    return { verified: false, status: statusRead, error: String(error?.message ?? error) };
  }
}

async function issue(offerLink, txCode) {
  // The holder's key, made and kept by the wallet.
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicJwk = publicKey.export({ format: "jwk" });
  const client = new Openid4vciClient({
    callbacks: {
      fetch,
      hash: (data, alg) => createHash(alg.replace("-", "").toLowerCase()).update(data).digest(),
      generateRandom: (length) => randomBytes(length),
      clientAuthentication: clientAuthenticationAnonymous(),
      signJwt: async (signer, { header, payload }) => {
        if (signer.method !== "jwk") throw new Error(`Unexpected signer ${signer.method}`);
        return { jwt: jwsSign(privateKey, header, payload), signerJwk: signer.publicJwk };
      },
    },
  });
  const credentialOffer = await client.resolveCredentialOffer(offerLink);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const configurationId = credentialOffer.credential_configuration_ids[0];
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer,
    issuerMetadata,
    txCode,
  });
  const { c_nonce: nonce } = await client.requestNonce({ issuerMetadata });
  const { jwt: proof } = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId: configurationId,
    signer: { method: "jwk", alg: "ES256", publicJwk },
    nonce,
  });
  const { credentialResponse } = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: accessTokenResponse.access_token,
    credentialConfigurationId: configurationId,
    proofs: { jwt: [proof] },
  });
  const credential = credentialResponse.credentials[0].credential;
  const format = issuerMetadata.credentialIssuer.credential_configurations_supported[configurationId].format;
  if (format === "jwt_vc_json") {
    // An Open Badges 3.0 VC-JWT: its signature checked with the issuer's published key (its verification with
    // openbadgeslib, status included, is the Python side's).
    const [header, payload, signature] = credential.split(".");
    const verify = await issuerVerifier(credential);
    return {
      format,
      configurationId,
      credential,
      holderJwk: publicJwk,
      verified: await verify(`${header}.${payload}`, signature),
      claims: JSON.parse(Buffer.from(payload, "base64url").toString()),
    };
  }
  // Present it to a verifier: every disclosure, with a key binding JWT signed by the holder's key.
  const holderJwk = privateKey.export({ format: "jwk" });
  const holder = new SDJwtVcInstance({
    hasher: digest,
    saltGenerator: generateSalt,
    kbSigner: await ES256.getSigner(holderJwk),
    kbSignAlg: "ES256",
  });
  const audience = "https://verifier.example.org";
  const kbNonce = b64url(webcrypto.getRandomValues(new Uint8Array(16)));
  const presentation = await holder.present(
    credential,
    { given_name: true, family_name: true },
    { kb: { payload: { iat: Math.floor(Date.now() / 1000), aud: audience, nonce: kbNonce } } },
  );
  const checked = await verifier(presentation, { nonce: kbNonce, audience });
  return {
    format,
    configurationId,
    credential,
    presentation,
    holderJwk: publicJwk,
    ...checked,
  };
}

const [mode, ...args] = process.argv.slice(2);
try {
  const result = mode === "issue" ? await issue(args[0], args[1]) : await verifier(args[0], {});
  process.stdout.write(JSON.stringify(result));
} catch (error) {
  process.stdout.write(JSON.stringify({ failed: String(error?.stack ?? error) }));
  process.exitCode = 1;
}
