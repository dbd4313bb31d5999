import {
  bodyHash,
  canonicalString,
  sign,
  signatureMatches,
  signedHeaders,
} from '../../src/tenants/signing';

// The contract's binding test vector (relay-contract.md, "Request signing").
const SECRET = 'AwoRGB8mLTQ7QklQV15lbHN6gYiPlp2kq7K5wMfO1dw=';
const BODY =
  '{"connection":"default","body":"Customer reports checkout fails — see case 00001026"}';
const common = {
  timestamp: '1795000000',
  nonce: 'n0nce-7f3a9c2e41b8',
  orgId: '00D5g000004ABCDEAY',
  userId: '0055g00000AbCdEFGH',
};

describe('request signing (contract v1)', () => {
  it('when the secret is decoded then it is the documented 32 bytes i*7+3', () => {
    const bytes = Buffer.from(SECRET, 'base64');
    expect([...bytes]).toEqual(Array.from({ length: 32 }, (_, i) => i * 7 + 3));
  });

  it('when the comment body is hashed then the digest is the documented one', () => {
    expect(bodyHash(Buffer.from(BODY, 'utf8'))).toBe(
      'ea1886e4d4e42113a945c2e2236c24a07c02e06f7acd6a88ee689827cf4ff32e',
    );
  });

  it('when the POST vector is signed then the signature matches the contract', () => {
    const parts = {
      ...common,
      method: 'POST',
      target: '/v1/issues/SUP-42/comments',
      body: Buffer.from(BODY, 'utf8'),
    };
    expect(sign(SECRET, parts)).toBe('v1=dNpxfjHaa+uJRcTn++HmsGrpaG0HGgjxUp7/18eSUyw=');
    expect(canonicalString(parts).split('\n')).toEqual([
      'PHAROS-RELAY-HMAC-SHA256',
      '1795000000',
      'n0nce-7f3a9c2e41b8',
      'POST',
      '/v1/issues/SUP-42/comments',
      '00D5g000004ABCDEAY',
      '0055g00000AbCdEFGH',
      'ea1886e4d4e42113a945c2e2236c24a07c02e06f7acd6a88ee689827cf4ff32e',
    ]);
  });

  it('when the GET vector without body is signed then the signature matches the contract', () => {
    const parts = {
      ...common,
      method: 'get',
      target: '/v1/issues/SUP-42?connection=default',
      body: '',
    };
    expect(sign(SECRET, parts)).toBe('v1=dXgL8SGM0be+2G11Y2xlZdPtNaVThiu4i8SNK4xax+M=');
  });

  it('when a signature differs in one character or length then it does not match', () => {
    const parts = {
      ...common,
      method: 'GET',
      target: '/v1/issues/SUP-42?connection=default',
      body: '',
    };
    expect(signatureMatches(SECRET, parts, 'v1=dXgL8SGM0be+2G11Y2xlZdPtNaVThiu4i8SNK4xax+M=')).toBe(
      true,
    );
    expect(signatureMatches(SECRET, parts, 'v1=dXgL8SGM0be+2G11Y2xlZdPtNaVThiu4i8SNK4xax+N=')).toBe(
      false,
    );
    expect(signatureMatches(SECRET, parts, 'v1=dXgL8SGM0be')).toBe(false);
  });

  describe('signed headers (the CLI, tests and benchmarks sign with them)', () => {
    const GET = {
      method: 'GET',
      target: '/v1/issues/SUP-42?connection=default',
      orgId: common.orgId,
      userId: common.userId,
      body: '',
    };
    const VECTOR_HEADERS = {
      'X-Relay-Org': '00D5g000004ABCDEAY',
      'X-Relay-User': '0055g00000AbCdEFGH',
      'X-Relay-Timestamp': '1795000000',
      'X-Relay-Nonce': 'n0nce-7f3a9c2e41b8',
      'X-Relay-Signature': 'v1=dXgL8SGM0be+2G11Y2xlZdPtNaVThiu4i8SNK4xax+M=',
    };

    afterEach(() => jest.restoreAllMocks());

    it('when no timestamp or nonce is given then the current whole second and a fresh nonce are signed', () => {
      jest.spyOn(Date, 'now').mockReturnValue(1_795_000_000_999);
      const randomNonce = jest.fn(() => common.nonce);
      expect(signedHeaders(SECRET, GET, randomNonce)).toEqual(VECTOR_HEADERS);
      expect(randomNonce).toHaveBeenCalledTimes(1);
    });

    it('when a timestamp and a nonce are given then they are signed as given and no nonce is drawn', () => {
      jest.spyOn(Date, 'now').mockReturnValue(1_900_000_000_000);
      const randomNonce = jest.fn(() => 'never-used-nonce-000');
      expect(
        signedHeaders(
          SECRET,
          { ...GET, timestamp: common.timestamp, nonce: common.nonce },
          randomNonce,
        ),
      ).toEqual(VECTOR_HEADERS);
      expect(randomNonce).not.toHaveBeenCalled();
    });
  });
});
