import t from 'tap';
import { createGrpcJsClientTransport } from '../../src/exporter/grpc-js-client-transport.js';
import { runGrpcClientTransportSuite } from '../helpers/grpc-client-transport-suite.js';

runGrpcClientTransportSuite(t, createGrpcJsClientTransport);
