import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FORCE_APP } from './support/metadata';

/** The contract's canonical string, re-implemented independently of the Apex code. */
function canonical(parts: {
  timestamp: string;
  nonce: string;
  method: string;
  path: string;
  orgId: string;
  userId: string;
  body?: string;
}): string {
  return [
    'PHAROS-RELAY-HMAC-SHA256',
    parts.timestamp,
    parts.nonce,
    parts.method.toUpperCase(),
    parts.path,
    parts.orgId,
    parts.userId,
    createHash('sha256')
      .update(Buffer.from(parts.body ?? '', 'utf8'))
      .digest('hex'),
  ].join('\n');
}

function sign(secret: string, text: string): string {
  return `v1=${createHmac('sha256', Buffer.from(secret, 'base64')).update(Buffer.from(text, 'utf8')).digest('base64')}`;
}

const apexTest = readFileSync(
  join(FORCE_APP, 'test', 'classes', 'relay', 'RelaySignature_Test.cls'),
  'utf8',
);
const factory = readFileSync(
  join(FORCE_APP, 'test', 'classes', 'support', 'JiraTestFactory.cls'),
  'utf8',
);

/** The single-quoted Apex literal that follows a marker. */
function literalAfter(source: string, marker: RegExp): string {
  const match = new RegExp(`${marker.source}\\s*'((?:[^'\\\\]|\\\\.)*)'`).exec(source);
  if (!match?.[1]) throw new Error(`No literal after ${marker}`);
  return match[1].replace(/\\'/g, "'").replace(/\\\\/g, '\\');
}

describe('relay request signing (contract test vector)', () => {
  const secret = literalAfter(factory, /SECRET\s*=/);
  const vector = {
    timestamp: literalAfter(apexTest, /parts\.timestamp\s*=/),
    nonce: literalAfter(apexTest, /parts\.nonce\s*=/),
    orgId: literalAfter(apexTest, /parts\.orgId\s*=/),
    userId: literalAfter(apexTest, /parts\.userId\s*=/),
  };
  const body = literalAfter(apexTest, /String body\s*=/);

  it('the Apex test uses the contract constants', () => {
    expect(secret).toBe('AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dw=');
    expect(Buffer.from(secret, 'base64')).toEqual(
      Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 3)),
    );
    expect(vector).toEqual({
      timestamp: '1795000000',
      nonce: 'n0nce-7f3a9c2e41b8',
      orgId: '00D5g000004ABCDEAY',
      userId: '0055g00000AbCdEFGH',
    });
    expect(body).toBe(
      '{"connection":"default","body":"Customer reports checkout fails — see case 00001026"}',
    );
  });

  it('when the POST vector is signed then body hash and signature match the contract and the Apex test', () => {
    expect(createHash('sha256').update(body, 'utf8').digest('hex')).toBe(
      'ea1886e4d4e42113a945c2e2236c24a07c02e06f7acd6a88ee689827cf4ff32e',
    );
    const signature = sign(
      secret,
      canonical({ ...vector, method: 'post', path: '/v1/issues/SUP-42/comments', body }),
    );
    expect(signature).toBe('v1=dNpxfjHaa+uJRcTn++HmsGrpaG0HGgjxUp7/18eSUyw=');
    expect(apexTest).toContain(`'${signature}'`);
  });

  it('when the GET vector without body is signed then the signature matches the contract and the Apex test', () => {
    const signature = sign(
      secret,
      canonical({ ...vector, method: 'GET', path: '/v1/issues/SUP-42?connection=default' }),
    );
    expect(signature).toBe('v1=dXgL8SGM0be+2G11Y2xlZdPtNaVThiu4i8SNK4xax+M=');
    expect(apexTest).toContain(`'${signature}'`);
    expect(apexTest).toContain("'/v1/issues/SUP-42?connection=default'");
  });

  it('the Apex signer builds the same eight lines in the same order', () => {
    const signer = readFileSync(
      join(FORCE_APP, 'main', 'default', 'classes', 'relay', 'RelaySignature.cls'),
      'utf8',
    );
    const list = /new List<String>\{([\s\S]*?)\}/.exec(signer)?.[1] ?? '';
    expect(
      list
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean),
    ).toEqual([
      'SCHEME',
      'parts.timestamp',
      'parts.nonce',
      'parts.method.toUpperCase()',
      'parts.pathAndQuery',
      'parts.orgId',
      'parts.userId',
      'bodyHash(parts.body)',
    ]);
    expect(signer).toContain("'PHAROS-RELAY-HMAC-SHA256'");
    expect(signer).toMatch(/String\.join\([\s\S]*'\\n'\s*\)/);
  });
});
