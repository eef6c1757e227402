import { describe, expect, it } from 'vitest';
import { checkListen, isLoopbackHost, ListenRefusedError } from '../src/listen-policy.js';

describe('isLoopbackHost', () => {
  it('knows localhost, 127.0.0.0/8 and ::1, and nothing else', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'gridfold.example', '127.0.0.1.example', 'localhost.example']) expect(isLoopbackHost(host), host).toBe(false);
  });
});

describe('checkListen', () => {
  it('lets the API listen on loopback, or anywhere with a token', () => {
    expect(checkListen({ host: '127.0.0.1' })).toBeNull();
    expect(checkListen({ host: '0.0.0.0', token: 't' })).toBeNull();
  });

  it('refuses anywhere else without a token, in one line naming the host and both ways out', () => {
    const refusal = () => checkListen({ host: '0.0.0.0' });
    expect(refusal).toThrow(ListenRefusedError);
    expect(refusal).toThrow(
      new ListenRefusedError(
        "refusing to listen on 0.0.0.0 without a token: anyone who reaches it can read every experiment, run code on the workers and use Bull Board's actions. Set GRIDFOLD_TOKEN, listen on 127.0.0.1, or pass --insecure (GRIDFOLD_INSECURE=true) to accept that",
      ),
    );
    expect(() => checkListen({ host: '0.0.0.0', token: '' })).toThrow(ListenRefusedError);
  });

  it('with insecure, gives the warning to log instead', () => {
    expect(checkListen({ host: '0.0.0.0', insecure: true })).toBe(
      "INSECURE: the API listens on 0.0.0.0 without a token (--insecure): anyone who reaches it can read every experiment, run code on the workers and use Bull Board's actions",
    );
  });
});
