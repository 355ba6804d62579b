import { describe, expect, it } from 'vitest';
import { CasServices } from '../../shared/cas/cas-services.ts';

const allowed = (entries: string[], service: string) => new CasServices(entries).allows(new URL(service));

describe('CAS services allowed to trade their tickets (CAS_ALLOWED_SERVICES)', () => {
  it.each([
    ['https://h/app', 'https://h/app'],
    ['https://h/app', 'https://h/app/'],
    ['https://h/app', 'https://h/app/x/y?z=1'],
    ['https://h/app/', 'https://h/app'],
    ['https://h/app/', 'https://h/app/page'],
    ['https://h/app//', 'https://h/app/page'],
    ['https://h/', 'https://h/anything'],
    ['https://H.example.ORG/app', 'https://h.example.org/app'],
    ['https://h:443/app', 'https://h/app/x'],
    ['https://h/app', 'https://h:443/app/x'],
    ['http://h:80/app', 'http://h/app'],
  ])('%s admits %s', (entry, service) => {
    expect(allowed([entry], service)).toBe(true);
  });

  it.each([
    ['https://h/app', 'https://h/app-evil'],
    ['https://h/app', 'https://h/application'],
    ['https://h/app', 'https://h/'],
    ['https://h/app', 'http://h/app'],
    ['https://h/app', 'https://h:8443/app'],
    ['https://h/app', 'https://h.evil.test/app'],
    ['https://h/app', 'https://evil.test/h/app'],
    ['https://h/app', 'https://user@h/app'],
    ['https://h/app', 'https://user:pw@h/app/x'],
  ])('%s refuses %s', (entry, service) => {
    expect(allowed([entry], service)).toBe(false);
  });

  it('admits nothing when the list is empty', () => {
    const services = new CasServices([]);
    expect(services.empty).toBe(true);
    expect(services.allows(new URL('https://h/app'))).toBe(false);
  });
});
