// Does nothing but answer 200: what the load generator can drive at most on its core.
import { createServer } from 'node:http'

createServer((req, res) => {
  req.resume()
  req.on('end', () => res.writeHead(200).end())
}).listen(Number(process.env.PORT), '127.0.0.1')
