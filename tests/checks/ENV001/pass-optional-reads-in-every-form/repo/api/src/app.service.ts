import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';

@Injectable()
export class AppService {
  constructor(private readonly configService: ConfigService) {}

  timeout(): number {
    return this.configService.get<number>('HTTP_TIMEOUT', 5000);
  }
}
