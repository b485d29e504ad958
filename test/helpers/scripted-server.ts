import { type Server, type Socket, createServer } from 'node:net';
import { type Amf0Value, decodeAmf0, encodeAmf0 } from '../../electron/engine/rtmp/amf0.js';
import { ChunkStreamReader, ChunkStreamWriter, type RtmpMessage } from '../../electron/engine/rtmp/chunk.js';
import { MessageType, decodeControlMessage } from '../../electron/engine/rtmp/messages.js';

/** A command the client sent. */
export interface ReceivedCommand {
  name: string;
  transactionId: number;
  args: Amf0Value[];
  streamId: number;
}

export interface ScriptedConnection {
  socket: Socket;
  /** Every message the client sent after the handshake, in order. */
  received: RtmpMessage[];
  commands: ReceivedCommand[];
  send(message: Omit<RtmpMessage, 'timestamp'> & { timestamp?: number }): void;
  sendCommand(streamId: number, ...values: Amf0Value[]): void;
  sendRaw(bytes: Buffer): void;
  /** Our outgoing chunk size; announce it first with a SetChunkSize message. */
  writer: ChunkStreamWriter;
}

export type CommandHandler = (command: ReceivedCommand, connection: ScriptedConnection) => 'default' | 'handled';

/**
 * A small RTMP server whose answers each test scripts: by default it accepts connect, createStream and
 * publish like a friendly ingest; a handler can refuse, stay silent or send anything instead.
 */
export class ScriptedRtmpServer {
  readonly connections: ScriptedConnection[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly onCommand: CommandHandler = () => 'default',
    private readonly onHandshake?: (connection: ScriptedConnection) => void,
  ) {}

  async listen(): Promise<number> {
    this.server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const writer = new ChunkStreamWriter();
    const reader = new ChunkStreamReader();
    const connection: ScriptedConnection = {
      socket,
      received: [],
      commands: [],
      writer,
      send: (message) => {
        if (!socket.destroyed) socket.write(writer.encode({ timestamp: 0, ...message }));
      },
      sendCommand: (streamId, ...values) => connection.send({ chunkStreamId: 3, typeId: MessageType.CommandAMF0, streamId, payload: encodeAmf0(...values) }),
      sendRaw: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
    };
    this.connections.push(connection);
    let handshake: Buffer | undefined = Buffer.alloc(0);
    let answered = false;
    socket.on('data', (data: Buffer) => {
      if (handshake) {
        handshake = Buffer.concat([handshake, data]);
        if (handshake.length < 1537) return;
        if (!answered) {
          // S0 + S1 + S2 (S2 echoes C1) once C0 + C1 arrived.
          answered = true;
          socket.write(Buffer.concat([Buffer.from([3]), Buffer.alloc(1536, 7), handshake.subarray(1, 1537)]));
        }
        if (handshake.length < 1537 + 1536) return;
        const rest = handshake.subarray(1537 + 1536);
        handshake = undefined;
        this.onHandshake?.(connection);
        data = rest;
      }
      let messages: RtmpMessage[];
      try {
        messages = reader.push(data);
      } catch {
        socket.destroy();
        return;
      }
      for (const message of messages) this.onMessage(message, connection);
    });
  }

  private onMessage(message: RtmpMessage, connection: ScriptedConnection): void {
    connection.received.push(message);
    if (decodeControlMessage(message.typeId, message.payload)) return;
    if (message.typeId !== MessageType.CommandAMF0) return;
    const [name, transactionId, , ...args] = decodeAmf0(message.payload);
    const command: ReceivedCommand = { name: String(name), transactionId: Number(transactionId), args, streamId: message.streamId };
    connection.commands.push(command);
    if (this.onCommand(command, connection) === 'handled') return;
    switch (command.name) {
      case 'connect':
        connection.sendCommand(0, '_result', command.transactionId, { fmsVer: 'FMS/3,0,1,123', capabilities: 31 }, {
          level: 'status',
          code: 'NetConnection.Connect.Success',
          description: 'Connection succeeded.',
        });
        break;
      case 'createStream':
        connection.sendCommand(0, '_result', command.transactionId, null, 1);
        break;
      case 'publish':
        connection.sendCommand(1, 'onStatus', 0, null, { level: 'status', code: 'NetStream.Publish.Start', description: 'Start publishing' });
        break;
      default:
        break;
    }
  }
}
