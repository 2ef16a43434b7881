// Joins as rank 1 of 2 (args: the master store's port on 127.0.0.1, the timeout in ms), takes part in
// one allreduce of [1, 2, 3], prints "ready" and the result, then waits on stdin: the test kills this
// process there. It exits by itself when stdin closes or after the timeout, so it never lingers.
using LatentSynth.Torch;
using LatentSynth.Torch.Distributed;

int port = int.Parse(args[0]);
var timeout = TimeSpan.FromMilliseconds(int.Parse(args[1]));
using var store = new TcpStore("127.0.0.1", port, 2, isMaster: false, timeout);
using var group = new ProcessGroup(store, 1, 2, timeout);
using var t = Tensor.From([1f, 2f, 3f], 3);
group.AllReduce(ReduceOp.Sum, t);
Console.WriteLine("ready " + string.Join(",", t.ToArray<float>()));
Console.Out.Flush();
var read = Task.Run(Console.In.ReadToEnd);
read.Wait(timeout * 5);
