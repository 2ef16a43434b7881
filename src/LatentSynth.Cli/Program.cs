using LatentSynth.Cli;

return Cli.Run(args);
