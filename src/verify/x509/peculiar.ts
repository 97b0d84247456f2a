// The one door to @peculiar/x509. Version 2 resolves its parsers through tsyringe, which needs
// the reflect-metadata polyfill loaded first, and its crypto provider must be Node's WebCrypto.
// Every other file imports the library from here so neither step can be forgotten.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

// The library types it as the DOM `Crypto`, which this Node-only project does not declare.
x509.cryptoProvider.set(webcrypto as never);

export * from '@peculiar/x509';
