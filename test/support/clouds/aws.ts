// A local AWS for the ECR flow, speaking the documented wire protocols the SDK uses:
// STS AssumeRoleWithWebIdentity (awsQuery: form POST, XML answer), the EKS Pod Identity agent's
// credentials endpoint (GET, JSON), and ECR GetAuthorizationToken (JSON 1.1, `X-Amz-Target`).
// ECR answers only a request signed with credentials this STS or agent issued.
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { listenLocal, readBody } from '../../harness/http.js';
import { validToken } from './identity-token.js';

export interface FakeAws {
  url: string;
  /** Requests served, by endpoint. */
  calls: { sts: number; podIdentity: number; ecr: number };
  /** The password GetAuthorizationToken hands out (`AWS:<password>`). */
  ecrPassword: string;
  stop(): Promise<void>;
}

export interface FakeAwsOptions {
  roleArn: string;
  /** The `sub` of the service account token STS and the agent accept. */
  subject: string;
  ecrPassword: string;
  /** Life of the ECR token, seconds (ECR: 12 h). */
  ecrTokenSeconds?: number;
}

const xml = (res: http.ServerResponse, status: number, body: string): void => {
  res.writeHead(status, { 'content-type': 'text/xml' }).end(body);
};

function stsError(res: http.ServerResponse, code: string, message: string): void {
  xml(
    res,
    400,
    `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fake</RequestId></ErrorResponse>`,
  );
}

export async function startFakeAws(o: FakeAwsOptions): Promise<FakeAws> {
  const calls = { sts: 0, podIdentity: 0, ecr: 0 };
  /** Access key id → session token of every credential issued. */
  const issued = new Map<string, string>();
  const issue = () => {
    const id = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const session = randomBytes(24).toString('base64url');
    issued.set(id, session);
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    return { id, secret: randomBytes(20).toString('base64url'), session, expiration };
  };

  const sts = (form: URLSearchParams, res: http.ServerResponse): void => {
    calls.sts++;
    if (form.get('Action') !== 'AssumeRoleWithWebIdentity' || form.get('RoleArn') !== o.roleArn)
      return stsError(
        res,
        'AccessDenied',
        'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      );
    const token = validToken(form.get('WebIdentityToken') ?? '', o.subject);
    if (token === 'expired') return stsError(res, 'ExpiredTokenException', 'Token expired');
    if (token !== 'ok') return stsError(res, 'InvalidIdentityToken', "Couldn't validate the token");
    const c = issue();
    xml(
      res,
      200,
      `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>${c.id}</AccessKeyId><SecretAccessKey>${c.secret}</SecretAccessKey><SessionToken>${c.session}</SessionToken><Expiration>${c.expiration}</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/ecr-reader/notary-admission</Arn><AssumedRoleId>AROAFAKE:notary-admission</AssumedRoleId></AssumedRoleUser></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
    );
  };

  const podIdentity = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    calls.podIdentity++;
    const token = validToken(req.headers.authorization ?? '', o.subject);
    if (token !== 'ok') {
      res.writeHead(token === 'expired' ? 401 : 400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `Service account token ${token}` }));
      return;
    }
    const c = issue();
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        AccessKeyId: c.id,
        SecretAccessKey: c.secret,
        Token: c.session,
        AccountId: '123456789012',
        Expiration: c.expiration,
      }),
    );
  };

  const ecr = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    calls.ecr++;
    const keyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const signed = req.headers.authorization?.startsWith('AWS4-HMAC-SHA256 ') === true;
    if (!signed || issued.get(keyId) !== req.headers['x-amz-security-token']) {
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          __type: 'UnrecognizedClientException',
          message: 'The security token included in the request is invalid.',
        }),
      );
      return;
    }
    const token = Buffer.from(`AWS:${o.ecrPassword}`).toString('base64');
    const expiresAt = Date.now() / 1000 + (o.ecrTokenSeconds ?? 12 * 3600);
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(
      JSON.stringify({
        authorizationData: [
          { authorizationToken: token, expiresAt, proxyEndpoint: 'https://ecr.fake' },
        ],
      }),
    );
  };

  const server = await listenLocal((req, res) => {
    void readBody(req).then((body) => {
      if (req.method === 'GET' && req.url === '/v1/credentials') return podIdentity(req, res);
      const target = req.headers['x-amz-target'];
      if (
        req.method === 'POST' &&
        target === 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken'
      )
        return ecr(req, res);
      if (req.method === 'POST' && target === undefined)
        return sts(new URLSearchParams(body.toString('utf8')), res);
      res.writeHead(404).end();
    });
  });
  return { url: server.url, calls, ecrPassword: o.ecrPassword, stop: server.close };
}
