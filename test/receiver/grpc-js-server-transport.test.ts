import t from 'tap';
import { createGrpcJsServerTransport } from '../../src/receiver/grpc-js-server-transport.js';
import { runGrpcServerTransportSuite } from '../helpers/grpc-server-transport-suite.js';

runGrpcServerTransportSuite(t, createGrpcJsServerTransport);
