// Send-path throughput for bench/run.mjs: sendAudio of 40 ms pcm16 chunks (1920 bytes, as a
// microphone worklet hands them over) until the text frame is encoded by the in-memory socket,
// frames per CPU-second, ours vs the peer vs the limit (Buffer base64 + JSON.stringify only).
// Ours takes a Uint8Array, the peer an ArrayBuffer (its documented input).

/** CPU microseconds (user + system, all threads) of this process since `from`. */
const cpuSince = (from) => {
  const d = process.cpuUsage(from);
  return d.user + d.system;
};

const micChunks = Array.from({ length: 64 }, () => {
  const b = new Uint8Array(1920);
  for (let i = 0; i < b.length; i++) b[i] = (Math.random() * 256) | 0;
  return b;
});
function runSend(subject, n, gc) {
  const { socket } = subject;
  const before = socket.sentFrames ?? 0;
  gc();
  const t0 = process.cpuUsage();
  for (let i = 0; i < n; i++) subject.sendMic(micChunks[i & 63]);
  const s = cpuSince(t0) / 1e6;
  if ((socket.sentFrames ?? 0) - before !== n) throw new Error(`${subject.name}: ${(socket.sentFrames ?? 0) - before} frames sent for ${n} chunks`);
  return n / s;
}
/** Frames per CPU-second of ours, the peer and the limit, median of interleaved rounds. */
export async function measureSend({ connectOurs, connectPeer, MemorySocket, rounds, n, gc, median }) {
  const ours = await connectOurs();
  ours.sendMic = (chunk) => void ours.model.sendAudio(chunk);
  const peer = await connectPeer();
  peer.sendMic = (chunk) => peer.model.sendAudio(chunk.buffer);
  const limit = { name: 'limit', socket: new MemorySocket() };
  limit.sendMic = (chunk) => limit.socket.send(JSON.stringify({ type: 'input_audio_buffer.append', audio: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64') }));
  const subjects = [ours, peer, limit];
  for (const s of subjects) runSend(s, 2000, gc);
  const rates = Object.fromEntries(subjects.map((s) => [s.name, []]));
  for (let r = 0; r < rounds; r++) for (const s of subjects) rates[s.name].push(runSend(s, n, gc));
  ours.close();
  peer.close();
  const paired = (a, b) => rates[a].map((x, i) => x / rates[b][i]);
  const spread = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}x`;
  return { ours: median(rates.ours), peer: median(rates.peer), limit: median(rates.limit), vsPeer: median(paired('ours', 'peer')), vsPeerSpread: spread(paired('ours', 'peer')), vsLimit: median(paired('ours', 'limit')) };
}
